/**
 * The rows of a request that drift observes: named-feature instances (KServe v1 with a transform)
 * as objects, or the rows of the first OIP v2 input tensor / v1 array instances as arrays. Only
 * tensors whose width matches the tracked columns are observed; anything else returns undefined.
 */
import { isPlainObject } from '../protocol/oip.js'

export type ObservedRow = Record<string, unknown> | unknown[]

export function extractRows (body: unknown, width: number): ObservedRow[] | undefined {
  if (!isPlainObject(body)) return undefined
  if (Array.isArray(body.instances)) {
    const first: unknown = body.instances[0]
    if (isPlainObject(first)) return body.instances as ObservedRow[]
    if (Array.isArray(first) && first.length === width) return body.instances as ObservedRow[]
    return undefined
  }
  const input: unknown = Array.isArray(body.inputs) ? body.inputs[0] : undefined
  if (!isPlainObject(input) || !Array.isArray(input.shape) || !Array.isArray(input.data)) return undefined
  const shape = input.shape as number[]
  if (shape[shape.length - 1] !== width) return undefined
  const flat = (input.data as unknown[]).flat(Infinity)
  const rows: unknown[][] = []
  for (let i = 0; i + width <= flat.length; i += width) rows.push(flat.slice(i, i + width))
  return rows
}
