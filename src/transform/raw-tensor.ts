/**
 * A caller's raw tensor re-ordered for a version whose transform declares another feature order
 * (see order.ts): the OIP v2 request with its one input's columns permuted, or KServe v1
 * number-array instances permuted row by row. Pure; the request was validated before (shapes,
 * datatypes, equal row widths), so only what the permutation needs is checked here.
 */
import { permuteRow, permuteRows, type TensorOrder } from './order.js'

type Reorder = Extract<TensorOrder, { kind: 'reorder' }>

/** The re-ordered tensor, or why this tensor cannot be re-ordered for the version. */
export type Reordered<T> = { ok: true; value: T } | { ok: false; where: string; reason: string }

interface RawInput { name: string; shape: number[]; data: unknown[] }
interface RawRequest { inputs: readonly RawInput[] }

/**
 * The OIP request body for `version`: the caller's request with its one input tensor's columns in
 * the version's order and named as its upstream expects. Everything else of the request is kept.
 *
 * @example
 * reorderOipRequest({ inputs: [{ name: 'x', shape: [1, 2], datatype: 'FP32', data: [1, 2] }] }, { kind: 'reorder', columns: [1, 0], input: 'y' }, 'v3')
 * // { ok: true, value: <Buffer {"inputs":[{"name":"y","shape":[1,2],"datatype":"FP32","data":[2,1]}]}> }
 */
export function reorderOipRequest (request: RawRequest, order: Reorder, version: string): Reordered<Buffer> {
  const { inputs } = request
  const width = order.columns.length
  if (inputs.length !== 1) return { ok: false, where: 'inputs', reason: `has ${inputs.length} tensors; version "${version}" reads one, in its own feature order` }
  const input = inputs[0]!
  if (input.shape.length !== 2 || input.shape[1] !== width) {
    return { ok: false, where: 'inputs[0].shape', reason: `is [${input.shape.join(', ')}]; version "${version}" reads [rows, ${width}] (the model's ${width} features, re-ordered by name)` }
  }
  // OIP allows nested row-major data; the permutation reads it flat.
  const flat = input.data.length > 0 && Array.isArray(input.data[0]) ? input.data.flat(Infinity) : input.data
  const reordered = { ...input, name: order.input ?? input.name, data: permuteRows(flat, order.columns) }
  return { ok: true, value: Buffer.from(JSON.stringify({ ...request, inputs: [reordered] })) }
}

/** KServe v1 number-array instances (equal widths, validated) with each row in the version's order. */
export function reorderInstances (instances: readonly unknown[][], order: Reorder, version: string): Reordered<unknown[][]> {
  const width = order.columns.length
  const got = instances[0]?.length ?? 0
  if (got !== width) return { ok: false, where: 'instances[0]', reason: `has ${got} values; version "${version}" reads ${width} (the model's features, re-ordered by name)` }
  return { ok: true, value: instances.map((row) => permuteRow(row, order.columns)) }
}
