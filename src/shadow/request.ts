/**
 * What a shadow version receives for a call. Processing travels with the version: when the caller
 * sent named features and the shadow has its own transform, the shadow's transform builds the
 * shadow's tensor. Otherwise the shadow gets exactly the bytes the primary upstream got.
 */
import type { FinishedCall } from '../runtime/call.js'
import type { VersionRuntime } from '../runtime/snapshot.js'
import { tensorBody } from '../transform/oip.js'

export interface ShadowRequest { path: string; body: Buffer; kind: 'v2' | 'v1' }

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
  return { path: call.upstreamKind === 'v1' ? shadow.target.predictPath : shadow.target.inferPath, body: call.upstreamBody, kind: call.upstreamKind ?? 'v2' }
}
