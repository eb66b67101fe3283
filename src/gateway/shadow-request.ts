/**
 * What a shadow version receives for a call. Processing travels with the version: when the caller
 * sent named features and the shadow has its own transform, the shadow's transform builds the
 * shadow's tensor. Otherwise the shadow gets exactly the bytes the primary upstream got.
 */
import { pre, toOipRequest } from '../transform/index.js'
import type { ShadowRequest } from '../shadow/dispatcher.js'
import type { Call } from './call.js'
import type { VersionRuntime } from './runtime.js'

/** The request for `shadow`, or undefined when the shadow's own transform refuses the caller's input. */
export function shadowRequest (call: Call, shadow: VersionRuntime): ShadowRequest | undefined {
  if (call.upstreamBody === undefined) return undefined
  const t = shadow.transform
  if (call.instances !== undefined && t !== undefined) {
    const result = pre(t, call.instances)
    // The caller's input passed the primary's checks; if the shadow's own spec refuses it, that is
    // a difference between the versions: no copy is sent, and it is counted as a shadow error.
    if (!result.ok) return undefined
    const body = Buffer.from(JSON.stringify(toOipRequest(t, result.batch, { id: call.requestId, inputName: shadow.readiness.tensors?.input })))
    return { path: shadow.target.inferPath, body, kind: 'v2' }
  }
  return { path: call.upstreamKind === 'v1' ? shadow.target.predictPath : shadow.target.inferPath, body: call.upstreamBody, kind: call.upstreamKind ?? 'v2' }
}
