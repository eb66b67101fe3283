/**
 * The per-request record: what the router chose and what came back. `Call` is built by the
 * inference handler (src/gateway/infer.ts is the only writer); when the response closes it is
 * finished into a frozen `FinishedCall`, the one thing observers (shadow, drift, status) read.
 */
import type { RouteReason } from '../routing/table.js'
import type { ModelRuntime, VersionRuntime } from './snapshot.js'

export type Protocol = 'v2' | 'v1'
export type UpstreamError = 'timeout' | 'connect' | 'protocol' | 'status' | 'invalid_prediction'

interface CallFields {
  readonly model: ModelRuntime
  /** The version that answers: the routed one, or the one a retry moved the call to. */
  version: VersionRuntime
  route: RouteReason
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
  upstreamError?: UpstreamError
  /** The upstream's raw answer, when something after the reply needs it. */
  responseBody?: Buffer
}

/** A call while the handler builds it. */
export interface Call extends CallFields {
  /** The client's body bytes, as received. */
  requestBody: Buffer
  /** What the call holds until its response closes (retry budget, in-flight slots). */
  releases: (() => void)[]
  /** The upstream's answer parsed, once, by whoever needs it first (see responseJson). */
  responseParsed?: { value: unknown }
}

/** A call after its response closed: read-only, frozen, with the status the client got. */
export type FinishedCall = Readonly<CallFields> & {
  /** HTTP status sent to the client (499 when the client went away first). */
  readonly status: number
  /** Milliseconds from the request's arrival to its reply (fastify's elapsedTime); 0 when not measured. */
  readonly durationMs: number
  /** The upstream's answer as JSON, parsed at most once across every observer (undefined: none or not JSON). */
  responseJson (): unknown
}

/**
 * The upstream's answer as JSON, parsed at most once per call and shared by post-processing and the
 * observers. undefined when there is no body or it is not JSON.
 */
export function responseJson (call: Call): unknown {
  call.responseParsed ??= { value: parseAnswer(call.responseBody) }
  return call.responseParsed.value
}

export function finishCall (call: Call, status: number, durationMs = 0): FinishedCall {
  // Field by field, not a rest-destructuring spread: V8 copies `{ a, b, ...rest }` through a slow
  // runtime path (microseconds per request, 2.5 % of the gateway's profile). A field the call never
  // set stays absent, as with the spread.
  const f: Mutable<FinishedCall> = { model: call.model, version: call.version, route: call.route, protocol: call.protocol, requestId: call.requestId, status, durationMs, responseJson: () => responseJson(call) }
  if (call.parsed !== undefined) f.parsed = call.parsed
  if (call.instances !== undefined) f.instances = call.instances
  if (call.upstreamBody !== undefined) f.upstreamBody = call.upstreamBody
  if (call.upstreamPath !== undefined) f.upstreamPath = call.upstreamPath
  if (call.upstreamKind !== undefined) f.upstreamKind = call.upstreamKind
  if (call.upstreamMs !== undefined) f.upstreamMs = call.upstreamMs
  if (call.upstreamStatus !== undefined) f.upstreamStatus = call.upstreamStatus
  if (call.upstreamError !== undefined) f.upstreamError = call.upstreamError
  if (call.responseBody !== undefined) f.responseBody = call.responseBody
  return Object.freeze(f)
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

function parseAnswer (body: Buffer | undefined): unknown {
  if (body === undefined) return undefined
  try {
    return JSON.parse(body.toString('utf8'))
  } catch {
    return undefined
  }
}
