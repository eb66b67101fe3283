/**
 * The per-request decision object: what the router chose and what came back. It is created by the
 * inference handler and handed, after the reply, to the observers (metrics, shadow, drift).
 */
import type { RouteReason } from '../routing/table.js'
import type { ModelRuntime, VersionRuntime } from './runtime.js'

export type Protocol = 'v2' | 'v1'

export interface Call {
  readonly model: ModelRuntime
  readonly version: VersionRuntime
  readonly route: RouteReason
  readonly protocol: Protocol
  /** The request id (from `x-request-id` or generated). */
  readonly requestId: string
  /** The parsed client body (after validation). */
  parsed?: unknown
  /** Named-feature instances of a v1 call, when the version's transform turned them into a tensor. */
  instances?: unknown[]
  /** The exact bytes sent upstream (shared with shadows: read once). */
  upstreamBody?: Buffer
  /** Path used at the upstream, e.g. /v2/models/hit-predictor/infer. */
  upstreamPath?: string
  /** Protocol spoken to the upstream (a v1 call with named features goes upstream as OIP v2). */
  upstreamKind?: Protocol
  upstreamMs?: number
  upstreamStatus?: number
  upstreamError?: 'timeout' | 'connect' | 'protocol' | 'status'
  /** The upstream's raw answer, when something after the reply needs it. */
  responseBody?: Buffer
  /** The upstream's answer parsed, once, by whoever needs it first (see responseJson). */
  responseParsed?: { value: unknown }
}

/**
 * The upstream's answer as JSON, parsed at most once per call and shared by post-processing,
 * shadow comparison and drift. undefined when there is no body or it is not JSON.
 */
export function responseJson (call: Call): unknown {
  if (call.responseParsed === undefined) {
    let value: unknown
    if (call.responseBody !== undefined) {
      try {
        value = JSON.parse(call.responseBody.toString('utf8'))
      } catch {
        value = undefined
      }
    }
    call.responseParsed = { value }
  }
  return call.responseParsed.value
}

/**
 * Something that runs after the reply has been sent, off the reply path: shadow mirroring, drift,
 * and anything later. `wantsResponse` tells the handler to keep the upstream's body for it.
 */
export interface Observer {
  wantsResponse (model: ModelRuntime): boolean
  afterReply (call: Call, statusCode: number): void
}
