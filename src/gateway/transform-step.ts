/**
 * The transform steps of the request path: named features -> the version's tensor (pre), the
 * version's output tensor -> labelled predictions (post). Timed and counted; a failure becomes the
 * right HTTP error (caller 400, upstream 502, transform 500) and never a half-labelled answer.
 */
import { errors, HeadlinerError } from '../errors.js'
import type { Metrics } from '../metrics/metrics.js'
import { fromOipResponse, post, pre, toOipRequest } from '../transform/index.js'
import type { Transform, TransformFailure } from '../transform/types.js'
import { responseJson, type Call } from './call.js'
import type { VersionRuntime } from './runtime.js'

/**
 * Named instances through a version's own pre-processing into the OIP v2 request body for its
 * upstream (with the tensor name the contract check found). Shared by the primary and shadow paths.
 */
export function tensorBody (transform: Transform, version: VersionRuntime, instances: unknown, id: string): { ok: true; body: Buffer } | TransformFailure {
  const result = pre(transform, instances)
  if (!result.ok) return result
  const request = toOipRequest(transform, result.batch, { id, inputName: version.readiness.tensors?.input })
  return { ok: true, body: Buffer.from(JSON.stringify(request)) }
}

export function preProcess (call: Call, metrics: Metrics): Buffer {
  const { model, version } = call
  const t = version.transform
  if (t === undefined) {
    throw errors.badRequest('instances[0]', `version "${version.name}" of model "${model.name}" has no transform, so instances must be arrays of numbers`)
  }
  const started = performance.now()
  const id = (call.parsed as { id?: unknown }).id
  const result = tensorBody(t, version, call.instances, typeof id === 'string' ? id : call.requestId)
  if (!result.ok) {
    metrics.transformErrors.labels(model.name, version.name, 'pre').inc()
    throw failure(call, 'pre', result)
  }
  metrics.transformDuration.labels(model.name, version.name, 'pre').observe((performance.now() - started) / 1000)
  return result.body
}

export function postProcess (call: Call, metrics: Metrics): string {
  const { model, version } = call
  const t = version.transform!
  const started = performance.now()
  const answer = responseJson(call)
  if (answer === undefined) {
    metrics.transformErrors.labels(model.name, version.name, 'post').inc()
    call.upstreamError = 'protocol'
    throw errors.upstreamProtocol(model.name, version.name, 'the answer is not JSON')
  }
  const rows = call.instances!.length
  const out = fromOipResponse(t, answer, rows, version.readiness.tensors?.output)
  const result = out.ok ? post(t, out.batch) : out
  if (!result.ok) {
    metrics.transformErrors.labels(model.name, version.name, 'post').inc()
    if (result.fault === 'upstream') call.upstreamError = 'protocol'
    throw failure(call, 'post', result)
  }
  const text = JSON.stringify({ predictions: result.predictions, model: model.name, version: version.name })
  metrics.transformDuration.labels(model.name, version.name, 'post').observe((performance.now() - started) / 1000)
  return text
}

function failure (call: Call, stage: 'pre' | 'post', f: TransformFailure): HeadlinerError {
  const { model, version } = call
  switch (f.fault) {
    case 'caller': return errors.badRequest('request', f.error)
    case 'upstream': return errors.upstreamProtocol(model.name, version.name, f.error)
    default: return errors.transformFailed(model.name, version.name, stage, f.error)
  }
}
