/**
 * An OIP-ish upstream whose inference answer misbehaves the way the request's `x-fault` header asks
 * (the gateway forwards end-to-end headers), on a real socket. Health and metadata answer normally.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export const GOOD_ANSWER = JSON.stringify({ model_name: 'm', outputs: [{ name: 'p', datatype: 'FP32', shape: [1, 2], data: [0.25, 0.75] }] })

export interface FaultServer {
  url: string
  /** Headers of every inference request that reached the server. */
  seen: IncomingHttpHeaders[]
  /** Inference requests whose answer is still being written (its socket open). */
  open: () => number
  close (): Promise<void>
}

export async function startFaultServer (): Promise<FaultServer> {
  const seen: IncomingHttpHeaders[] = []
  let open = 0
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET') {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ name: 'm', versions: ['1'], platform: 'fault', inputs: [], outputs: [] }))
      return
    }
    seen.push(req.headers)
    open++
    res.on('close', () => { open-- })
    req.resume()
    req.on('end', () => {
      const fault = String(req.headers['x-fault'] ?? '')
      const delay = Number(req.headers['x-delay'] ?? 0)
      const timers: NodeJS.Timeout[] = []
      res.on('close', () => { for (const t of timers) clearInterval(t) })
      switch (fault) {
        case 'trickle': {
          // a small answer with its length announced, one byte every 50 ms
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '200' })
          timers.push(setInterval(() => { res.write(' ') }, 50))
          return
        }
        case 'endless': {
          // chunked, never ends: a small chunk every 20 ms
          res.writeHead(200, { 'content-type': 'application/json' })
          res.write('[')
          timers.push(setInterval(() => { res.write('0,') }, 20))
          return
        }
        case 'hang-after-headers':
          res.writeHead(200, { 'content-type': 'application/json' })
          res.flushHeaders()
          return
        case 'reset-mid-stream': {
          // a large answer (streamed through by the gateway), cut by the upstream after 128 KiB
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(1024 * 1024) })
          res.write(Buffer.alloc(128 * 1024, 32), () => { setTimeout(() => { req.socket.destroy() }, 50) })
          return
        }
        case 'traceback':
          res.writeHead(500, { 'content-type': 'text/plain' })
          res.end('Traceback (most recent call last):\n  File "/srv/models/secret/predict.py", line 42\nKeyError: db_password')
          return
        case 'spoof-headers':
          res.writeHead(200, { 'content-type': 'application/json', 'x-headliner-version': 'evil', 'x-headliner-route': 'evil' })
          res.end(GOOD_ANSWER)
          return
        case 'early-hints':
          res.writeEarlyHints({ link: '</style.css>; rel=preload' })
          res.writeHead(200, { 'content-type': 'application/json' })
          res.end(GOOD_ANSWER)
          return
        case 'unsolicited-continue':
          res.writeContinue()
          res.writeHead(200, { 'content-type': 'application/json' })
          res.end(GOOD_ANSWER)
          return
        default:
          timers.push(setTimeout(() => {
            res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(GOOD_ANSWER)) })
            res.end(GOOD_ANSWER)
          }, delay))
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    open: () => open,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) })
  }
}
