/**
 * The header rules of a proxied call, both ways: what of the client's request goes upstream
 * (end-to-end headers, X-Forwarded-*, the trace-context rule) and what of the upstream's answer goes
 * back to the client (end-to-end headers only). The transport is src/proxy/client.ts.
 */
import type { IncomingHttpHeaders } from 'node:http'

/** Hop-by-hop headers (RFC 9110 section 7.6.1) and headers a proxy must not pass on. */
const HOP_BY_HOP: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade'])

/**
 * A copy of `headers` without hop-by-hop headers, the headers the `Connection` header lists, and
 * `drop` (lower-case names). Built fresh rather than by deleting keys, which would turn the object
 * into a slow dictionary on every request.
 */
export function endToEndHeaders (headers: Record<string, unknown>, drop?: ReadonlySet<string>): Record<string, unknown> {
  const listed = typeof headers.connection === 'string' ? headers.connection.toLowerCase().split(',').map((n) => n.trim()) : undefined
  const out: Record<string, unknown> = {}
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || drop?.has(name) === true || listed?.includes(name) === true) continue
    out[name] = headers[name]
  }
  return out
}

/** The gateway's own answer headers: an upstream's copy never overrides them (and the upstream's framing does not describe a relabelled body). */
export const GATEWAY_ANSWER_HEADERS: ReadonlySet<string> = new Set(['x-headliner-version', 'x-headliner-route', 'x-request-id'])

/**
 * Framing headers of the client's request that describe the client's bytes, not the body the
 * gateway sends: undici sets `host` from the configured origin and `content-length` from the body.
 */
// `expect` too: node answers a client's `100-continue` itself, and the gateway sends a complete body.
// `x-headliner-shadow` marks the gateway's own shadow copies; a client must not be able to forge it.
const FRAMING: ReadonlySet<string> = new Set(['host', 'content-length', 'content-type', 'expect', 'x-headliner-shadow'])
const FRAMING_AND_TRACE: ReadonlySet<string> = new Set([...FRAMING, 'traceparent', 'tracestate'])

export interface ClientSide {
  headers: IncomingHttpHeaders
  /** The client's address as the server saw it. */
  ip: string
  protocol: 'http' | 'https'
}

/**
 * The headers of the upstream request for one client request: its end-to-end headers, `extra`
 * (for example the shadow marker), JSON content type, and X-Forwarded-For/Proto/Host. With tracing
 * on, the undici instrumentation injects a traceparent that continues the incoming trace;
 * forwarding the incoming one as well would send two, so it is dropped. With tracing off the
 * incoming context passes through untouched.
 */
export function upstreamHeaders (client: ClientSide, stripTraceContext: boolean, extra?: Record<string, string>): Record<string, string | string[] | undefined> {
  const out = endToEndHeaders(client.headers, stripTraceContext ? FRAMING_AND_TRACE : FRAMING) as Record<string, string | string[] | undefined>
  out['content-type'] = 'application/json'
  if (extra !== undefined) Object.assign(out, extra)
  const prior = client.headers['x-forwarded-for']
  out['x-forwarded-for'] = prior === undefined ? client.ip : `${String(prior)}, ${client.ip}`
  out['x-forwarded-proto'] = client.protocol
  if (client.headers.host !== undefined) out['x-forwarded-host'] = client.headers.host
  return out
}
