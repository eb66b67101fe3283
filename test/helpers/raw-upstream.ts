/**
 * An upstream written on a raw `net` server, for answers node:http will not send: interim (1xx)
 * heads the client never asked for, split across writes. It speaks just enough HTTP/1.1 to read a
 * request (head and `content-length` body) and answers on the same keep-alive connection.
 *
 * What it writes before the final answer is chosen per request by the `x-interim` header (forwarded
 * end to end by the gateway): a comma-separated list of statuses (`100,103`); or by `onGet` and
 * `onPost` for every request of that method (probes and shadow copies are not the test's requests).
 * `x-final` picks the final status (default 200).
 */
import { createServer, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'

export const RAW_ANSWER = JSON.stringify({ model_name: 'm', outputs: [{ name: 'p', datatype: 'FP32', shape: [1, 2], data: [0.25, 0.75] }] })
const METADATA = JSON.stringify({ name: 'm', versions: ['1'], platform: 'raw', inputs: [], outputs: [] })

export interface RawUpstream {
  url: string
  /** Requests answered, by method and path. */
  served: string[]
  /** Connections accepted so far (keep-alive reuse shows as fewer connections than requests). */
  connections: () => number
  close (): Promise<void>
}

const REASONS: Record<number, string> = { 100: 'Continue', 102: 'Processing', 103: 'Early Hints', 200: 'OK', 500: 'Internal Server Error', 503: 'Service Unavailable' }

function interimHead (status: number): string {
  return status === 103 ? 'HTTP/1.1 103 Early Hints\r\nlink: </a.css>; rel=preload\r\n\r\n' : `HTTP/1.1 ${status} ${REASONS[status] ?? 'Info'}\r\n\r\n`
}

/** `onGet`/`onPost`: the statuses written before every GET's (POST's) answer. `split`: each interim head goes out in two writes, the second after the first was flushed and 20 ms passed. */
export async function startRawUpstream (opts: { onGet?: number[]; onPost?: number[]; split?: boolean } = {}): Promise<RawUpstream> {
  const served: string[] = []
  const sockets = new Set<Socket>()
  let connections = 0
  const server: Server = createServer((socket) => {
    connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    let buf = Buffer.alloc(0)
    let busy = false
    const next = (): void => {
      if (busy) return
      const end = buf.indexOf('\r\n\r\n')
      if (end < 0) return
      const head = buf.subarray(0, end).toString('latin1')
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0)
      if (buf.length < end + 4 + length) return
      buf = buf.subarray(end + 4 + length)
      const [method = '', path = ''] = head.split(' ')
      served.push(`${method} ${path}`)
      const header = (name: string) => new RegExp(`\\r\\n${name}:\\s*([^\\r]*)`, 'i').exec(head)?.[1]
      const asked = header('x-interim')
      const interim = method === 'GET' ? (opts.onGet ?? []) : asked !== undefined ? asked.split(',').map(Number) : (opts.onPost ?? [])
      const status = Number(header('x-final') ?? 200)
      const body = method === 'GET' ? METADATA : status === 200 ? RAW_ANSWER : '{"error":"boom"}'
      busy = true
      void (async () => {
        for (const s of interim) {
          const text = interimHead(s)
          if (opts.split === true) {
            await write(socket, text.slice(0, 11))
            await new Promise((resolve) => setTimeout(resolve, 20))
            await write(socket, text.slice(11))
          } else await write(socket, text)
        }
        await write(socket, `HTTP/1.1 ${status} ${REASONS[status] ?? 'Status'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
        busy = false
        next()
      })().catch(() => socket.destroy())
    }
    socket.on('data', (chunk: Buffer) => { buf = Buffer.concat([buf, chunk]); next() })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    served,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()) })
  }
}

function write (socket: Socket, text: string): Promise<void> {
  return new Promise((resolve, reject) => socket.write(text, (err) => { if (err) reject(err); else resolve() }))
}
