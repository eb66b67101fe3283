/**
 * The decisions of the request path that are not routing: what goes upstream for a validated body
 * (path, protocol, and whether the version's transform must build the tensor), and whether the
 * answer is read whole or streamed through. Pure: no reply, no call, no I/O.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { errors } from '../errors.js'
import { checkInferRequest } from '../protocol/oip.js'
import { checkPredictRequest } from '../protocol/v1.js'
import type { Protocol } from '../runtime/call.js'
import type { VersionRuntime } from '../runtime/snapshot.js'
import { reorderInstances, reorderOipRequest, type Reordered } from '../transform/raw-tensor.js'
import { checkTensorShape, tensorFromInstances } from './v1-bridge.js'

/** Answers up to this size (by content-length) are read whole and sent as one Buffer. */
export const SMALL_ANSWER_BYTES = 64 * 1024

export interface UpstreamPlan {
  /** Path at the upstream, e.g. /v2/models/hit-predictor/infer. */
  path: string
  /** Protocol spoken to the upstream (a v1 call with named features goes upstream as OIP v2). */
  kind: Protocol
  /** Named-feature instances the version's transform turns into the tensor; undefined: the client's bytes go as they are. */
  instances?: unknown[]
  /** A v1 number-array call sent to an OIP-only upstream as this tensor body; the answer goes back as `predictions`. */
  bridged?: Buffer
  /** The caller's raw tensor with its columns in the version's feature order (docs/transforms.md). */
  reordered?: Buffer
}

/** Validate the parsed body (400 when it is not a request of its protocol) and plan the upstream call. */
export function planUpstream (model: string, version: VersionRuntime, protocol: Protocol, parsed: unknown, id: string): UpstreamPlan {
  if (protocol === 'v2') {
    const checked = checkInferRequest(parsed)
    if (!checked.ok) throw errors.badRequest('request', checked.error)
    checkTensorShape(model, version, checked.value.inputs)
    const order = version.tensorOrder
    // as sent (no transform, or one in the model's order): the caller's bytes, no per-request work
    if (order.kind !== 'reorder') return { path: version.target.inferPath, kind: 'v2' }
    return { path: version.target.inferPath, kind: 'v2', reordered: fitted(model, reorderOipRequest(checked.value, order, version.name)) }
  }
  const checked = checkPredictRequest(parsed)
  if (!checked.ok) throw errors.badRequest('request', checked.error)
  // named features in: the version's own transform builds its OIP v2 tensor
  if (checked.value.named) return { path: version.target.inferPath, kind: 'v2', instances: checked.value.instances }
  const order = version.tensorOrder
  const instances = order.kind === 'reorder' ? fitted(model, reorderInstances(checked.value.instances as number[][], order, version.name)) : checked.value.instances
  if (version.config.protocol === 'v2') {
    const tensor = tensorFromInstances(version, instances as number[][], id)
    checkTensorShape(model, version, [tensor.input])
    return { path: version.target.inferPath, kind: 'v2', bridged: tensor.body }
  }
  if (order.kind !== 'reorder') return { path: version.target.predictPath, kind: 'v1' }
  return { path: version.target.predictPath, kind: 'v1', reordered: Buffer.from(JSON.stringify({ ...(parsed as object), instances })) }
}

/**
 * The re-ordered tensor, or a 400: a tensor that is not [rows, width] of the model's order cannot
 * be re-ordered, and sent as it is the version would read its columns as the wrong features.
 */
function fitted<T> (model: string, r: Reordered<T>): T {
  if (r.ok) return r.value
  throw errors.badRequest(r.where, `${r.reason}, model "${model}"`)
}

/**
 * Read the answer whole, or stream it straight through? Whole when something needs it (labelling,
 * an observer) or when it is small: a Buffer is cheaper to send than a stream. A big answer nobody
 * needs streams, so its size never sits in memory. An answer without a content-length (chunked) is
 * read whole too, within the byte limit: its end is unknown, and only an answer not yet begun can
 * still become a 504 when the upstream trickles it, never ends it, or hangs after the headers.
 */
export function readsAnswerWhole (labelled: boolean, observed: boolean, headers: IncomingHttpHeaders): boolean {
  if (labelled || observed) return true
  const length = headers['content-length']
  return length === undefined || Number(length) <= SMALL_ANSWER_BYTES
}
