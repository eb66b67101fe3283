/**
 * A disagreement is read by people (the console's list, `GET /admin/models/{m}/shadow/diffs`), who
 * think in country names, not in 72 probabilities. This labels an upstream's raw OIP answer with the
 * version's own transform, as a caller of that version would have seen it. Only disagreements go
 * through here, after the primary reply: the cost is off the request path and bounded by the diffs kept.
 */
import type { VersionRuntime } from '../runtime/snapshot.js'
import { fromOipResponse } from '../transform/oip.js'
import { post } from '../transform/post.js'

/**
 * `{ predictions }` labelled by the version's transform; the answer unchanged when the version has no
 * transform or the answer does not fit it (the raw body still says what came back).
 * @example labelledAnswer(v1, body) // { predictions: [{ top: [{ country: 'SE', name: 'Sweden', probability: 0.31 }, ...] }] }
 */
export function labelledAnswer (version: VersionRuntime | undefined, body: unknown): unknown {
  const t = version?.transform
  if (t === undefined || body === undefined) return body
  const rows = rowsOf(body)
  if (rows === undefined) return body
  const batch = fromOipResponse(t, body, rows, version?.readiness.tensors?.output)
  if (!batch.ok) return body
  const labelled = post(t, batch.batch)
  return labelled.ok ? { predictions: labelled.predictions } : body
}

/** Rows of an OIP answer: the first dimension of its first output's shape. */
function rowsOf (body: unknown): number | undefined {
  const outputs = (body as { outputs?: unknown } | null)?.outputs
  const shape = Array.isArray(outputs) ? (outputs[0] as { shape?: unknown } | null)?.shape : undefined
  const rows = Array.isArray(shape) ? shape[0] : undefined
  return typeof rows === 'number' && Number.isInteger(rows) && rows > 0 ? rows : undefined
}
