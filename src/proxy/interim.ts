/**
 * Unsolicited `100 Continue` from an upstream, removed before undici's parser sees it.
 *
 * RFC 9110 section 15.2: a client must parse any number of 1xx answers before the final one, even
 * ones it did not ask for. undici handles 102 and 103, but destroys the connection on a 100 ("bad
 * response": it never sends `Expect`, so it takes a 100 for a broken server), so a model server that
 * sends 100 before every answer got a 502 for every request. The dispatch handler
 * (src/proxy/client.ts) cannot help: undici never hands it the 100.
 *
 * So each upstream socket is watched at the two points undici uses it: a written request head
 * (undici writes it as one latin1 string beginning with the request line) marks that the next bytes
 * read are the start of an answer; while that holds, complete `HTTP/1.x 100` heads are dropped from
 * what `read()` returns, and the first bytes that are not one end the watch until the next request.
 * With one request per connection at a time (`pipelining: 1`), bytes read after a request head and
 * before its answer's first byte can only be that answer's head. The bodies are never looked at: the
 * cost is one 12-byte comparison per answer.
 */
import type { Socket } from 'node:net'

/** The request line undici writes first (`POST /v2/models/m/infer HTTP/1.1\r\n`). */
const REQUEST_LINE = /^[A-Z]+ \S+ HTTP\/1\.1\r\n/
/** `HTTP/1.1 100` or `HTTP/1.0 100`: the first 12 bytes of a 100's status line. */
const CONTINUE = Buffer.from('HTTP/1.1 100', 'latin1')
/** A 100 head longer than this is not stripped: undici then fails the answer as before. */
const MAX_HEAD = 16 * 1024

/** How the bytes at the start of an answer begin: a 100 head (`skip` bytes long), not one, or too short to tell. */
export function classifyStart (buf: Buffer): { kind: 'continue'; skip: number } | { kind: 'other' } | { kind: 'more' } {
  const n = Math.min(buf.length, CONTINUE.length)
  for (let i = 0; i < n; i++) {
    // the minor version (index 7) may be 0 or 1
    if (buf[i] !== CONTINUE[i] && !(i === 7 && buf[i] === 0x30)) return { kind: 'other' }
  }
  if (n < CONTINUE.length) return { kind: 'more' }
  const end = buf.indexOf('\r\n\r\n', CONTINUE.length, 'latin1')
  if (end >= 0) return { kind: 'continue', skip: end + 4 }
  return buf.length > MAX_HEAD ? { kind: 'other' } : { kind: 'more' }
}

/** Watch one upstream socket (see above). Call before undici reads from it. */
export function skipUnsolicitedContinue (socket: Socket): void {
  let atAnswerStart = false
  let held: Buffer | undefined
  const write = socket.write
  socket.write = function (this: Socket, chunk: unknown, ...rest: unknown[]) {
    if (typeof chunk === 'string' && REQUEST_LINE.test(chunk)) atAnswerStart = true
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest)
  } as Socket['write']
  const read = socket.read
  socket.read = function (this: Socket, size?: number) {
    const chunk = read.call(this, size) as Buffer | null
    if (!atAnswerStart || size !== undefined) return chunk
    if (chunk === null && held === undefined) return null
    let buf: Buffer = held === undefined ? chunk! : chunk === null ? held : Buffer.concat([held, chunk])
    held = undefined
    for (;;) {
      const start = classifyStart(buf)
      if (start.kind === 'continue') {
        buf = buf.subarray(start.skip)
        if (buf.length === 0) return null // the answer's head is still to come: the next 'readable' brings it
        continue
      }
      if (start.kind === 'more') {
        held = buf
        return null
      }
      atAnswerStart = false
      return buf
    }
  } as Socket['read']
}
