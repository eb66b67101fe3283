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

/** How far a row's probabilities may sum from 1 (FP32 rounding over hundreds of labels stays far below). */
export const PROBABILITY_SUM_TOLERANCE = 0.01

/**
 * Is the batch a prediction the transform can label? One value per label, all finite, and (the
 * output holds one probability per label) each row in [0, 1] summing to 1 within the tolerance.
 * A 200 that fails this is an invalid prediction: the upstream's fault, never labelled.
 */
export function invalidPrediction (t: Transform, batch: Batch): TransformFailure | undefined {
  const width = t.labels.length
  if (batch.width !== width) return upstreamError(`output has ${batch.width} values per instance but the transform has ${width} labels`)
  const { data } = batch
  for (let r = 0; r < batch.rows; r++) {
    let sum = 0
    for (let j = 0; j < width; j++) {
      const x = data[r * width + j]
      if (!Number.isFinite(x)) return upstreamError(`output[${r}][${j}] is ${describeValue(x)}, not a finite number`)
      if (x! < 0 || x! > 1) return upstreamError(`output[${r}][${j}] is ${x}, not a probability (0-1)`)
      sum += x!
    }
    if (Math.abs(sum - 1) > PROBABILITY_SUM_TOLERANCE) return upstreamError(`the probabilities of output[${r}] sum to ${Math.round(sum * 1e6) / 1e6}, not 1 (tolerance ${PROBABILITY_SUM_TOLERANCE})`)
  }
  return undefined
}

/**
 * The spec-driven post-processing of an output batch.
 *
 * @example
 * specPost(t, { rows: 1, width: 72, data }) // { ok: true, predictions: [{ top: [{ country: 'SE', name: 'Sweden', probability: 0.31 }, ...], probabilities: { AE: 0.004, ... } }] }
 */
export function specPost (t: Transform, batch: Batch): PostResult<Prediction> {
  const width = t.labels.length
  const invalid = invalidPrediction(t, batch)
  if (invalid !== undefined) return invalid
  const { data } = batch
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
  const invalid = invalidPrediction(t, batch)
  if (invalid !== undefined) return invalid
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
