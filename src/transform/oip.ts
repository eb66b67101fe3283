/**
 * The transform's side of the Open Inference Protocol (KServe v2 REST): the inference request the
 * gateway sends upstream for a pre-processed batch, and the output batch taken from the upstream's
 * answer. Tensors are row-major; an answer's `data` may be flat or nested, as the spec allows.
 * Spec: https://kserve.github.io/website/latest/modelserving/data_plane/v2_protocol/
 */
import { describeValue } from '../describe.js'
import { pre } from './pre.js'
import type { Batch, Transform, TransformFailure } from './types.js'

/** An OIP v2 inference request with the one input tensor a transform fills. */
export interface OipTransformRequest {
  id?: string
  inputs: [{ name: string; shape: [number, number]; datatype: string; data: number[] }]
}

/** Input name used when neither the spec nor the caller (from the contract check) names one. */
export const FALLBACK_INPUT_NAME = 'input'

/**
 * Build the upstream request body for a batch. Pass `inputName` from {@link checkContract}'s result
 * when the spec leaves the name out, so the request uses the name the upstream declared.
 *
 * @example
 * toOipRequest(t, batch, { id: 'r1' })
 * // { id: 'r1', inputs: [{ name: 'song_features', shape: [1, 12], datatype: 'FP32', data: [0.71, ...] }] }
 */
export function toOipRequest (t: Transform, batch: Batch, options: { id?: string; inputName?: string } = {}): OipTransformRequest {
  const input = { name: options.inputName ?? t.input.name ?? FALLBACK_INPUT_NAME, shape: [batch.rows, batch.width] as [number, number], datatype: t.input.datatype, data: batch.data }
  return options.id === undefined ? { inputs: [input] } : { id: options.id, inputs: [input] }
}

/**
 * Named instances through a version's own pre-processing into the bytes of the OIP v2 request for
 * its upstream. Shared by the primary and shadow paths (each version with its own transform).
 */
export function tensorBody (t: Transform, instances: unknown, options: { id: string; inputName?: string | undefined }): { ok: true; body: Buffer } | TransformFailure {
  const result = pre(t, instances)
  if (!result.ok) return result
  const request = toOipRequest(t, result.batch, { id: options.id, ...(options.inputName !== undefined ? { inputName: options.inputName } : {}) })
  return { ok: true, body: Buffer.from(JSON.stringify(request)) }
}

function upstreamError (error: string): { ok: false } & TransformFailure {
  return { ok: false, fault: 'upstream', error }
}

/**
 * Take the output batch out of an upstream's (JSON-parsed) inference response: the output named by
 * `outputName` or the spec, else the first; shape `[rows, labels]`; the spec's datatype; numbers only.
 * Failures are `upstream` faults (a 502): the model answered something the transform cannot label.
 *
 * @example
 * fromOipResponse(t, { outputs: [{ name: 'country_probabilities', datatype: 'FP32', shape: [1, 72], data }] }, 1)
 * // { ok: true, batch: { rows: 1, width: 72, data } }
 */
export function fromOipResponse (t: Transform, body: unknown, rows: number, outputName?: string): { ok: true; batch: Batch } | TransformFailure {
  const outputs = (body as { outputs?: unknown } | null)?.outputs
  if (!Array.isArray(outputs) || outputs.length === 0) return upstreamError('answer has no "outputs" array')
  const wanted = outputName ?? t.output.name
  const output = (wanted === undefined ? outputs[0] : outputs.find((o) => (o as { name?: unknown } | null)?.name === wanted)) as Record<string, unknown> | undefined
  if (typeof output !== 'object' || output === null) return upstreamError(wanted === undefined ? 'outputs[0] is not an object' : `answer has no output named "${wanted}"`)
  const where = `output "${String(output.name)}"`
  if (output.datatype !== t.output.datatype) return upstreamError(`${where}: datatype is ${JSON.stringify(output.datatype) ?? 'missing'}, the transform expects ${t.output.datatype}`)
  const width = t.output.width
  const shape = output.shape
  if (!Array.isArray(shape) || shape.length !== 2 || shape[0] !== rows || shape[1] !== width) {
    return upstreamError(`${where}: shape is ${Array.isArray(shape) ? `[${shape.join(', ')}]` : 'missing'}, expected [${rows}, ${width}]`)
  }
  let data = output.data
  if (!Array.isArray(data)) return upstreamError(`${where}: data is not an array`)
  if (data.length > 0 && Array.isArray(data[0])) data = data.flat(Infinity)
  const flat = data as unknown[]
  if (flat.length !== rows * width) return upstreamError(`${where}: data has ${flat.length} values, shape [${rows}, ${width}] needs ${rows * width}`)
  for (let i = 0; i < flat.length; i++) {
    if (typeof flat[i] !== 'number') return upstreamError(`${where}: data[${i}] is ${describeValue(flat[i])}, not a number`)
  }
  return { ok: true, batch: { rows, width, data: flat as number[] } }
}
