/**
 * The transform steps of the request path: named features -> the version's tensor (pre), the
 * version's output tensor -> labelled predictions (post). Timed and counted; a failure becomes the
 * right HTTP error (caller 400, upstream 502, transform 500) and never a half-labelled answer. The
 * steps return what they made; only the handler writes to the call.
 */
import { errors, HeadlinerError } from '../errors.js'
import type { Metrics } from '../metrics/metrics.js'
import { fromOipResponse, post, tensorBody } from '../transform/index.js'
import type { TransformFailure } from '../transform/types.js'
import type { ModelRuntime, VersionRuntime } from '../runtime/snapshot.js'

/** What post-processing made: the labelled answer, or the error to send and whether the upstream was at fault. */
export type PostOutcome = { ok: true; text: string } | { ok: false; error: HeadlinerError; upstreamFault: boolean }

/** The upstream request body for named instances; throws the HTTP error when they do not fit. */
export function preProcess (model: ModelRuntime, version: VersionRuntime, instances: unknown[], id: string, metrics: Metrics): Buffer {
  const t = version.transform
  if (t === undefined) {
    throw errors.badRequest('instances[0]', `version "${version.name}" of model "${model.name}" has no transform, so instances must be arrays of numbers`)
  }
  const started = performance.now()
  const result = tensorBody(t, instances, { id, inputName: version.readiness.tensors?.input })
  if (!result.ok) {
    metrics.transformErrors.labels(model.name, version.name, 'pre').inc()
    throw failure(model, version, 'pre', result)
  }
  metrics.transformDuration.labels(model.name, version.name, 'pre').observe((performance.now() - started) / 1000)
  return result.body
}

/** The labelled answer for `rows` instances from the upstream's JSON answer (undefined: not JSON). */
export function postProcess (model: ModelRuntime, version: VersionRuntime, answer: unknown, rows: number, metrics: Metrics): PostOutcome {
  const t = version.transform!
  const started = performance.now()
  if (answer === undefined) {
    metrics.transformErrors.labels(model.name, version.name, 'post').inc()
    return { ok: false, error: errors.upstreamProtocol(model.name, version.name, 'the answer is not JSON'), upstreamFault: true }
  }
  const out = fromOipResponse(t, answer, rows, version.readiness.tensors?.output)
  const result = out.ok ? post(t, out.batch) : out
  if (!result.ok) {
    metrics.transformErrors.labels(model.name, version.name, 'post').inc()
    return { ok: false, error: failure(model, version, 'post', result), upstreamFault: result.fault === 'upstream' }
  }
  const text = JSON.stringify({ predictions: result.predictions, model: model.name, version: version.name })
  metrics.transformDuration.labels(model.name, version.name, 'post').observe((performance.now() - started) / 1000)
  return { ok: true, text }
}

function failure (model: ModelRuntime, version: VersionRuntime, stage: 'pre' | 'post', f: TransformFailure): HeadlinerError {
  switch (f.fault) {
    case 'caller': return errors.badRequest('request', f.error)
    // post-processing's upstream faults are answers that are not a prediction (shape, values, sums)
    case 'upstream': return stage === 'post' ? errors.invalidPrediction(model.name, version.name, f.error) : errors.upstreamProtocol(model.name, version.name, f.error)
    default: return errors.transformFailed(model.name, version.name, stage, f.error)
  }
}
