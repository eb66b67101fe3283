/**
 * Post-processing: the output rows (one probability per label) become labelled predictions, the
 * top `k` labels sorted by probability (ties: lower label index first, so answers are
 * deterministic) plus, unless the spec turns it off, the full `{ code: probability }` map.
 * A row whose width is not the label count is refused: the gateway never labels nonsense.
 */
import { describeValue } from '../describe.js'
import { topIndices } from '../vector.js'
import type { Batch, PostResult, Prediction, TopEntry, Transform, TransformFailure } from './types.js'

function upstreamError (error: string): TransformFailure {
  return { ok: false, fault: 'upstream', error }
}

/**
 * The spec-driven post-processing of an output batch.
 *
 * @example
 * specPost(t, { rows: 1, width: 72, data }) // { ok: true, predictions: [{ top: [{ country: 'SE', name: 'Sweden', probability: 0.31 }, ...], probabilities: { AE: 0.004, ... } }] }
 */
export function specPost (t: Transform, batch: Batch): PostResult<Prediction> {
  const width = t.labels.length
  if (batch.width !== width) return upstreamError(`output has ${batch.width} values per instance but the transform has ${width} labels`)
  const { data } = batch
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) return upstreamError(`output[${Math.floor(i / width)}][${i % width}] is ${describeValue(data[i])}, not a finite number`)
  }
  const predictions: Prediction[] = []
  const k = Math.min(t.top, width)
  for (let r = 0; r < batch.rows; r++) {
    const offset = r * width
    const top: TopEntry[] = []
    for (const j of topIndices(data, offset, width, k)) {
      top.push({ [t.labelKey]: t.labels[j]!, name: t.labelNames[j]!, probability: data[offset + j]! })
    }
    if (!t.probabilities) {
      predictions.push({ top })
      continue
    }
    predictions.push({ top, probabilities: t.probabilityMap(data, offset) })
  }
  return { ok: true, predictions }
}

/**
 * Post-processing of a version: the custom module's `post` when it has one, else {@link specPost}.
 * The width is checked first either way; a custom result must hold one prediction per row.
 */
export function post (t: Transform, batch: Batch): PostResult<unknown> {
  const custom = t.custom
  if (custom?.post === undefined) return specPost(t, batch)
  if (batch.width !== t.labels.length) return upstreamError(`output has ${batch.width} values per instance but the transform has ${t.labels.length} labels`)
  const rows: number[][] = []
  for (let r = 0; r < batch.rows; r++) rows.push(batch.data.slice(r * batch.width, (r + 1) * batch.width))
  const fail = (what: string): TransformFailure => ({ ok: false, fault: 'transform', error: `custom post (${custom.file}) ${what}` })
  let out: unknown
  try {
    out = custom.post(rows, custom.ctx)
  } catch (err) {
    return fail(`threw: ${(err as Error)?.message ?? String(err)}`)
  }
  if (Array.isArray(out)) return out.length === batch.rows ? { ok: true, predictions: out } : fail(`returned ${out.length} predictions for ${batch.rows} rows`)
  if (typeof out === 'object' && out !== null && 'ok' in out) {
    const r = out as { ok: unknown; predictions?: unknown; error?: unknown; fault?: unknown }
    if (r.ok === false) return { ok: false, fault: r.fault === 'upstream' ? 'upstream' : 'transform', error: String(r.error) }
    if (r.ok === true && Array.isArray(r.predictions) && r.predictions.length === batch.rows) return { ok: true, predictions: r.predictions }
  }
  return fail(`must return one prediction per row (an array of ${batch.rows}), got ${describeValue(out)}`)
}
