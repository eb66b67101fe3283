/**
 * What a shadow version receives for a call. Processing travels with the version: when the caller
 * sent named features and the shadow has its own transform, the shadow's transform builds the
 * shadow's tensor. Otherwise the shadow gets the tensor the primary upstream got, with its columns
 * re-ordered when the two versions read the model's features in different orders (the same bytes
 * when they read them alike). When either order cannot be known the copy still goes as the primary
 * got it (the shadow's load and latency stay measured), marked `incomparable` with the reason.
 */
import type { FinishedCall } from '../runtime/call.js'
import type { VersionRuntime } from '../runtime/snapshot.js'
import { tensorBody } from '../transform/oip.js'
import { relativeOrder } from '../transform/order.js'
import { reorderInstances, reorderOipRequest, type Reordered } from '../transform/raw-tensor.js'

export interface ShadowRequest {
  path: string
  body: Buffer
  kind: 'v2' | 'v1'
  /** Why this copy's answer cannot be compared with the primary's (set: the outcome is `incomparable`). */
  incomparable?: string
}

/** The request for `shadow`, or undefined when the shadow's own transform refuses the caller's input. */
export function shadowRequest (call: FinishedCall, shadow: VersionRuntime): ShadowRequest | undefined {
  if (call.upstreamBody === undefined) return undefined
  const t = shadow.transform
  if (call.instances !== undefined && t !== undefined) {
    const result = tensorBody(t, call.instances, { id: call.requestId, inputName: shadow.readiness.tensors?.input })
    // The caller's input passed the primary's checks; if the shadow's own spec refuses it, that is
    // a difference between the versions: no copy is sent, and it is counted as a shadow error.
    return result.ok ? { path: shadow.target.inferPath, body: result.body, kind: 'v2' } : undefined
  }
  const kind = call.upstreamKind ?? 'v2'
  const sent = { path: kind === 'v1' ? shadow.target.predictPath : shadow.target.inferPath, body: call.upstreamBody, kind }
  // The primary's tensor is in the primary's order (the model's, or its transform's).
  const order = relativeOrder(call.version.tensorOrder, shadow.tensorOrder, shadow.readiness.tensors?.input ?? t?.input.name)
  if (order.kind === 'as_sent') return sent
  if (order.kind === 'unknown') return { ...sent, incomparable: order.reason }
  const reordered = reorder(call, kind, order, shadow.name)
  return reordered.ok ? { ...sent, body: reordered.value } : { ...sent, incomparable: `${reordered.where}: ${reordered.reason}` }
}

function reorder (call: FinishedCall, kind: 'v2' | 'v1', order: Parameters<typeof reorderOipRequest>[1], shadow: string): Reordered<Buffer> {
  // The caller's parsed body is the primary's tensor when the primary got the caller's bytes.
  const raw = call.version.tensorOrder.kind !== 'reorder' && call.protocol === kind && call.instances === undefined
  const body = (raw ? call.parsed : JSON.parse(call.upstreamBody!.toString('utf8'))) as Record<string, unknown>
  if (kind === 'v2') return reorderOipRequest(body as unknown as Parameters<typeof reorderOipRequest>[0], order, shadow)
  const rows = reorderInstances(body.instances as unknown[][], order, shadow)
  return rows.ok ? { ok: true, value: Buffer.from(JSON.stringify({ ...body, instances: rows.value })) } : rows
}
