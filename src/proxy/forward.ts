/**
 * Forward one call to an upstream through @fastify/reply-from, as a promise: it resolves with the
 * upstream's response (status, headers already copied to the reply, body stream not yet consumed)
 * or with a classified failure. The caller decides whether to stream the body through or read it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { IncomingHttpHeaders } from 'node:http'
import type { Readable } from 'node:stream'

export type UpstreamFailure = 'timeout' | 'connect' | 'protocol' | 'aborted'

export type Forwarded =
  | { ok: true; statusCode: number; headers: IncomingHttpHeaders; stream: Readable }
  | { ok: false; kind: UpstreamFailure; detail: string }

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

const TRACE_CONTEXT: ReadonlySet<string> = new Set(['traceparent', 'tracestate'])

export interface ForwardOptions {
  url: string
  body: Buffer
  timeoutMs: number
  /** Extra request headers (for example the shadow marker). */
  headers?: Record<string, string>
  /** Drop the incoming W3C trace context: set when tracing is on, because undici then injects its own. */
  stripTraceContext: boolean
}

export function forward (request: FastifyRequest, reply: FastifyReply, opts: ForwardOptions): Promise<Forwarded> {
  return new Promise((resolve) => {
    // reply-from calls neither onResponse nor onError when the client went away first; settle anyway
    // so no handler promise is left hanging.
    const onClose = () => { resolve({ ok: false, kind: 'aborted', detail: 'the client closed the connection' }) }
    reply.raw.once('close', onClose)
    const settle = (result: Forwarded) => {
      reply.raw.removeListener('close', onClose)
      resolve(result)
    }
    reply.from(opts.url, {
      body: opts.body,
      contentType: 'application/json',
      timeout: opts.timeoutMs,
      rewriteRequestHeaders: (req, headers) => {
        // With tracing on, the undici instrumentation injects a traceparent that continues the
        // incoming trace; forwarding the incoming one as well would send two. With tracing off the
        // incoming context passes through untouched.
        const out = endToEndHeaders(headers, opts.stripTraceContext ? TRACE_CONTEXT : undefined)
        if (opts.headers !== undefined) Object.assign(out, opts.headers)
        const prior = req.headers['x-forwarded-for']
        out['x-forwarded-for'] = prior === undefined ? req.ip : `${String(prior)}, ${req.ip}`
        out['x-forwarded-proto'] = req.protocol
        if (req.headers.host !== undefined) out['x-forwarded-host'] = req.headers.host
        return out as typeof headers
      },
      rewriteHeaders: (headers) => endToEndHeaders(headers) as typeof headers,
      onResponse: (_req, _reply, res) => {
        settle({ ok: true, statusCode: res.statusCode, headers: (res as unknown as { headers: IncomingHttpHeaders }).headers, stream: res.stream as unknown as Readable })
      },
      onError: (_reply, { error }) => {
        settle(classify(error))
      }
    })
  })
}

/** Map reply-from / undici errors to our kinds: timeouts 504, the rest of the transport 502. */
export function classify (error: unknown): Forwarded {
  const err = error as { code?: string; statusCode?: number; message?: string; cause?: { code?: string; message?: string } }
  const code = err.cause?.code ?? err.code ?? ''
  const detail = err.cause?.message ?? err.message ?? String(error)
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return { ok: false, kind: 'connect', detail: `connect timeout: ${detail}` }
  if (err.statusCode === 504 || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'FST_REPLY_FROM_GATEWAY_TIMEOUT') {
    return { ok: false, kind: 'timeout', detail }
  }
  if (err.statusCode === 502 && code === 'FST_REPLY_FROM_BAD_GATEWAY') return { ok: false, kind: 'protocol', detail }
  return { ok: false, kind: 'connect', detail: code !== '' ? `${code} ${detail}` : detail }
}

/** Read a whole (small) upstream body. */
export async function readBody (stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    const b = chunk as Buffer
    size += b.length
    if (size > limit) {
      stream.destroy()
      throw new Error(`upstream body larger than ${limit} bytes`)
    }
    chunks.push(b)
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)
}
