/**
 * The one upstream client, for primary, shadow and probe calls, on undici's raw dispatch handler
 * (no Readable and per-chunk promises of `request()` when the answer is read whole). It returns the
 * answer (status, headers, and the body as a Buffer or as a stream) and never touches a reply: the
 * gateway decides what the client gets. This is the seam for deadlines, cancellation, retries and
 * outlier ejection.
 *
 * Bounded in every direction: one deadline covers the queue, connect, headers and the whole body
 * (undici's headersTimeout and bodyTimeout do not cover a body paused by a slow reader); an
 * AbortSignal (the client went away) cancels the call and frees its connection; a body read whole is
 * cut at `maxBytes`; a body handed back as a stream aborts the upstream call when destroyed unread.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { Readable } from 'node:stream'
import type { Dispatcher } from 'undici'

export type UpstreamFailure = 'timeout' | 'connect' | 'protocol' | 'aborted'

export interface UpstreamCall {
  origin: string
  path: string
  method: 'GET' | 'POST'
  headers: Record<string, string | string[] | undefined>
  body?: Buffer
  /** Milliseconds from dispatch to the last body byte; past it the call is aborted as `timeout`. */
  deadlineMs: number
  /** Cancels the call (for example when the client closed the connection): settles as `aborted`. An AbortSignal or a {@link Cancel}. */
  signal?: CancelSignal
  /** Largest body read whole; a longer one fails the call as `protocol`. */
  maxBytes: number
  /** Read the body whole (true) or hand it back as a stream (false), given the status and headers. Default: whole. */
  readWhole?: (status: number, headers: IncomingHttpHeaders) => boolean
}

/** What `callUpstream` needs of a cancellation: an AbortSignal has it, and so has the cheaper {@link Cancel}. */
export interface CancelSignal {
  readonly aborted: boolean
  addEventListener (type: 'abort', listener: () => void, options?: { once?: boolean }): void
  removeEventListener (type: 'abort', listener: () => void): void
}

/**
 * A cancellation for one request's upstream calls, one call at a time (an attempt, then its retry).
 * An AbortController per request costs an EventTarget (about 1.5 % of the gateway's profile); this
 * is a flag and one listener.
 */
export class Cancel implements CancelSignal {
  aborted = false
  #listener: (() => void) | undefined

  abort (): void {
    if (this.aborted) return
    this.aborted = true
    const listener = this.#listener
    this.#listener = undefined
    listener?.()
  }

  addEventListener (_type: 'abort', listener: () => void): void { this.#listener = listener }

  removeEventListener (_type: 'abort', listener: () => void): void {
    if (this.#listener === listener) this.#listener = undefined
  }
}

interface Head { ok: true; status: number; headers: IncomingHttpHeaders; /** Milliseconds from dispatch to the response headers. */ headersMs: number }

/** An answer read whole (`body`), or handed back as a stream when `readWhole` said so. */
export type UpstreamAnswer =
  | (Head & { body: Buffer; stream?: undefined })
  | (Head & { body?: undefined; stream: Readable })
  | { ok: false; kind: UpstreamFailure; detail: string; /** The connection failed before a byte of the request was sent (safe to retry anywhere). */ sentNothing: boolean }

/** What `callUpstream` resolves with when `readWhole` is not given: always a body. */
export type WholeAnswer = Exclude<UpstreamAnswer, { stream: Readable }>

class DeadlineError extends Error {
  override name = 'DeadlineError'
}

export function callUpstream (dispatcher: Dispatcher, call: UpstreamCall & { readWhole?: undefined }): Promise<WholeAnswer>
export function callUpstream (dispatcher: Dispatcher, call: UpstreamCall): Promise<UpstreamAnswer>
export function callUpstream (dispatcher: Dispatcher, call: UpstreamCall): Promise<UpstreamAnswer> {
  return new Promise((resolve) => {
    const started = performance.now()
    let controller: Dispatcher.DispatchController | undefined
    let pendingAbort: Error | undefined
    let settled = false
    let finished = false
    let head: Head | undefined
    let stream: Readable | undefined
    let size = 0
    const chunks: Buffer[] = []

    const settle = (answer: UpstreamAnswer) => {
      if (settled) return
      settled = true
      resolve(answer)
    }
    const cleanup = () => {
      finished = true
      clearTimeout(timer)
      call.signal?.removeEventListener('abort', onAbort)
    }
    // Before the request reaches a socket there is no controller yet: remember the reason and abort
    // as soon as undici hands one over. The caller is answered at once either way.
    const abort = (err: Error) => {
      if (controller !== undefined) controller.abort(err)
      else pendingAbort = err
    }
    const fail = (kind: UpstreamFailure, err: Error, sentNothing = false) => {
      if (finished) return
      cleanup()
      abort(err)
      settle({ ok: false, kind, detail: err.message, sentNothing })
      stream?.destroy(err)
    }
    const onAbort = () => { fail('aborted', new Error('the client closed the connection')) }
    const timer = setTimeout(() => { fail('timeout', new DeadlineError(`no complete answer within ${call.deadlineMs} ms`)) }, call.deadlineMs)
    if (call.signal?.aborted === true) {
      onAbort()
      return
    }
    call.signal?.addEventListener('abort', onAbort, { once: true })

    dispatcher.dispatch({ origin: call.origin, path: call.path, method: call.method, headers: call.headers as Record<string, string>, body: call.body ?? null }, {
      onRequestStart (c) {
        controller = c
        if (pendingAbort !== undefined) c.abort(pendingAbort)
      },
      onResponseStart (c, status, headers) {
        // A 1xx (103 Early Hints) is informational: the answer's head is still to come.
        if (finished || status < 200) return
        head = { ok: true, status, headers: headers as IncomingHttpHeaders, headersMs: performance.now() - started }
        if (call.readWhole?.(status, head.headers) !== false) return
        stream = new Readable({
          read () { c.resume() },
          destroy (err, cb) {
            // Destroyed before the end (the client went away, nobody read it): free the connection.
            if (!finished) {
              cleanup()
              c.abort(err ?? new Error('the answer stream was destroyed unread'))
            }
            cb(err)
          }
        })
        settle({ ...head, stream })
      },
      onResponseData (c, chunk) {
        if (finished) return
        if (stream !== undefined) {
          if (!stream.push(chunk)) c.pause()
          return
        }
        size += chunk.length
        if (size > call.maxBytes) {
          fail('protocol', new Error(`upstream body larger than ${call.maxBytes} bytes`))
          return
        }
        chunks.push(chunk)
      },
      onResponseEnd () {
        if (finished) return
        cleanup()
        if (stream !== undefined) stream.push(null)
        else settle({ ...head!, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) })
      },
      onResponseError (_c, err) {
        if (finished) return
        const kind = head === undefined ? classify(err) : 'protocol'
        fail(kind, kind === 'connect' ? new Error(describeConnect(err)) : err, head === undefined && NOTHING_SENT.has((err as { code?: string }).code ?? ''))
      }
    })
  })
}

/** Errors raised before a connection existed: the upstream cannot have seen (or run) the request. */
const NOTHING_SENT: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT'])

function describeConnect (err: Error): string {
  const code = (err as { code?: string }).code
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return `connect timeout: ${err.message}`
  return code === undefined || err.message.includes(code) ? err.message : `${code} ${err.message}`
}

/** undici's transport errors as our kinds: timeouts 504, a broken answer 502 protocol, the rest connect. */
export function classify (error: unknown): UpstreamFailure {
  const code = (error as { code?: string }).code ?? ''
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return 'timeout'
  if (code.startsWith('HPE_') || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' || code === 'UND_ERR_INFO') return 'protocol'
  return 'connect'
}
