/**
 * Feature order of raw tensors. A caller's raw tensor (OIP v2 `inputs`, KServe v1 number-array
 * `instances`) is in the MODEL's feature order; a version whose transform declares another order
 * (the same names, the same width) reads its columns by position, so it must get the columns
 * re-ordered by name. The permutation is compiled once per snapshot (`tensorOrder`); the request
 * path only applies it: one pass over the rows (`permuteRows`).
 */
import type { Transform } from './types.js'

/**
 * How a version reads the caller's raw tensor:
 * - `as_sent`: in the model's order (the version has no transform, or its transform declares the
 *   model's order). Nothing to do: the caller's bytes go upstream as they are.
 * - `reorder`: column j of the version's tensor is column `columns[j]` of the caller's; `input`
 *   is the input tensor name the version's upstream expects (undefined: keep the caller's).
 * - `unknown`: the order cannot be known (no model order, or another set of names or width);
 *   the tensor goes as sent, and a shadow comparison on it is `incomparable` with `reason`.
 */
export type TensorOrder =
  | { readonly kind: 'as_sent' }
  | { readonly kind: 'reorder'; readonly columns: readonly number[]; readonly input: string | undefined }
  | { readonly kind: 'unknown'; readonly reason: string }

export const AS_SENT: TensorOrder = Object.freeze({ kind: 'as_sent' })

/** Where a model's feature order came from: the config's `features`, or a version's transform spec. */
export interface ModelOrder {
  readonly features: readonly string[]
  /** `config` (the model's `features`) or the name of the version whose spec gave the order. */
  readonly from: string
}

const source = (m: ModelOrder): string => m.from === 'config' ? 'the model\'s "features"' : `version "${m.from}"'s transform`

/**
 * The order in which `version` (with transform `t`) reads a tensor in `model` order.
 *
 * @example
 * tensorOrder({ features: ['a', 'b'], from: 'config' }, { features: ['b', 'a'] } as Transform, 'v3', 'in')
 * // { kind: 'reorder', columns: [1, 0], input: 'in' }
 */
export function tensorOrder (model: ModelOrder | undefined, t: Pick<Transform, 'features'> | undefined, version: string, input?: string): TensorOrder {
  if (t === undefined) return AS_SENT
  if (model === undefined) return unknown(`the model declares no feature order ("features") and no serving version has a transform, so the order of a raw tensor is unknown to version "${version}"`)
  const want = model.features
  if (t.features.length !== want.length) return unknown(`version "${version}"'s transform has ${t.features.length} features, the model's order (from ${source(model)}) has ${want.length}`)
  const index = new Map(want.map((name, i) => [name, i]))
  const columns: number[] = []
  for (const name of t.features) {
    const i = index.get(name)
    if (i === undefined) return unknown(`version "${version}"'s transform has feature "${name}", which the model's order (from ${source(model)}) does not name`)
    columns.push(i)
  }
  if (columns.every((c, j) => c === j)) return AS_SENT
  return Object.freeze({ kind: 'reorder', columns: Object.freeze(columns), input })
}

function unknown (reason: string): TensorOrder {
  return Object.freeze({ kind: 'unknown', reason })
}

/**
 * Rows of `width` values in model order (flat, row-major) as rows in the version's order, in one
 * pass. `data.length` must be a multiple of `columns.length`.
 */
export function permuteRows (data: ArrayLike<unknown>, columns: readonly number[]): unknown[] {
  const width = columns.length
  const out = new Array<unknown>(data.length)
  for (let base = 0; base < data.length; base += width) {
    for (let j = 0; j < width; j++) out[base + j] = data[base + columns[j]!]
  }
  return out
}

/** One instance (a row) in the version's order. */
export function permuteRow (row: readonly unknown[], columns: readonly number[]): unknown[] {
  return columns.map((c) => row[c])
}

/**
 * How `shadow` reads a tensor that `primary` was sent (columns in the primary's order): as sent
 * when both read the model's order the same way, else the permutation composed through the
 * model's order, or unknown (with the reason) when either side's order is unknown.
 */
export function relativeOrder (primary: TensorOrder, shadow: TensorOrder, input?: string): TensorOrder {
  if (primary.kind === 'unknown') return primary
  if (shadow.kind === 'unknown' || primary.kind === 'as_sent') return shadow
  // model column m sits at primary column inverse[m]
  const inverse: number[] = []
  primary.columns.forEach((m, k) => { inverse[m] = k })
  const columns = shadow.kind === 'as_sent' ? inverse : shadow.columns.map((m) => inverse[m]!)
  if (columns.every((c, j) => c === j)) return AS_SENT
  return Object.freeze({ kind: 'reorder', columns: Object.freeze(columns), input: shadow.kind === 'reorder' ? shadow.input : input })
}
