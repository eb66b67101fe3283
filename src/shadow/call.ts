/**
 * One shadow call on a raw undici dispatch handler: the answer is collected as Buffers straight
 * from the socket, without the Readable body stream and per-chunk promises of `request()`. Shadow
 * copies are as frequent as primary requests, so their per-call cost matters. Bounded: past
 * `maxBytes` the call is aborted.
 */
import type { Dispatcher } from 'undici'

export interface ShadowCallOptions {
  origin: string
  path: string
  headers: Record<string, string>
  body: Buffer
  timeoutMs: number
  maxBytes: number
}

export interface ShadowAnswer {
  statusCode: number
  /** Milliseconds from dispatch to the response headers. */
  headersMs: number
  body: Buffer
}

export function shadowCall (agent: Dispatcher, opts: ShadowCallOptions): Promise<ShadowAnswer> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    let statusCode = 0
    let headersMs = 0
    let size = 0
    const chunks: Buffer[] = []
    agent.dispatch({
      origin: opts.origin,
      path: opts.path,
      method: 'POST',
      headers: opts.headers,
      body: opts.body,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs
    }, {
      onRequestStart () {},
      onResponseStart (_controller, status) {
        statusCode = status
        headersMs = performance.now() - started
      },
      onResponseData (controller, chunk) {
        size += chunk.length
        if (size > opts.maxBytes) {
          controller.abort(new Error(`shadow answer larger than ${opts.maxBytes} bytes`))
          return
        }
        chunks.push(chunk)
      },
      onResponseEnd () {
        resolve({ statusCode, headersMs, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) })
      },
      onResponseError (_controller, err) {
        reject(err)
      }
    })
  })
}
