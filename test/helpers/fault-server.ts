/**
 * An OIP-ish upstream whose inference answer misbehaves the way the request's `x-fault` header asks
 * (the gateway forwards end-to-end headers), else as `fault` says, on a real socket. Health and
 * metadata answer normally. Also an upstream broken in one fixed way, and a proxy that skews a real
 * model's probabilities.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http'
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

/** `fault`: for requests without an `x-fault` header (shadow copies, say); `name`: the model in its metadata. */
export interface FaultOptions { fault?: string; name?: string }

export async function startFaultServer (opts: FaultOptions = {}): Promise<FaultServer> {
  const seen: IncomingHttpHeaders[] = []
  let open = 0
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET') {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ name: opts.name ?? 'm', versions: ['1'], platform: 'fault', inputs: [], outputs: [] }))
      return
    }
    seen.push(req.headers)
    open++
    res.on('close', () => { open-- })
    req.resume()
    req.on('end', () => {
      const fault = String(req.headers['x-fault'] ?? opts.fault ?? '')
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
        case 'large': {
          // ~400 KB: 40,000 probabilities in one output row
          const data = Array.from({ length: 40_000 }, () => 0.000025)
          const big = JSON.stringify({ model_name: opts.name ?? 'm', outputs: [{ name: 'p', datatype: 'FP32', shape: [1, data.length], data }] })
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(big)) })
          res.end(big)
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
  const url = await listen(server)
  return { url, seen, open: () => open, close: () => closeServer(server) }
}

/**
 * An upstream that breaks in one way on every inference (`half500`: every other inference, the others
 * get a valid 2-class OIP answer); health and metadata answer like an OIP server. `hits`: inferences.
 */
export type Fault = 'garbage' | 'reset' | 'status500' | 'wrong-shape' | 'half500'

export async function startFaultyUpstream (fault: Fault): Promise<{ url: string; hits: () => number; close (): Promise<void> }> {
  let hits = 0
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET') {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ name: 'hit-predictor', versions: ['x'], platform: 'faulty', inputs: [], outputs: [] }))
      return
    }
    const hit = hits++
    req.resume()
    req.on('end', () => {
      switch (fault) {
        case 'reset':
          req.socket.destroy()
          return
        case 'garbage':
          res.setHeader('content-type', 'application/json')
          res.end('{"outputs": [ this is not json')
          return
        case 'status500':
          res.statusCode = 500
          res.end('{"error":"boom"}')
          return
        case 'half500':
          res.statusCode = hit % 2 === 0 ? 500 : 200
          res.setHeader('content-type', 'application/json')
          res.end(hit % 2 === 0 ? '{"error":"boom"}' : JSON.stringify({ model_name: 'hit-predictor', outputs: [{ name: 'p', datatype: 'FP32', shape: [1, 2], data: [0.25, 0.75] }] }))
          return
        case 'wrong-shape':
          res.setHeader('content-type', 'application/json')
          res.end(JSON.stringify({ outputs: [{ name: 'p', datatype: 'FP32', shape: [1, 3], data: [0.2, 0.3, 0.5] }] }))
      }
    })
  })
  return { url: await listen(server), hits: () => hits, close: () => closeServer(server) }
}

/**
 * A proxy in front of a real model server: the same metadata (so a transform's contract holds), but
 * every inference probability multiplied by `factor`, so each row sums to `factor`.
 */
export async function startSkewingProxy (target: string, factor: number): Promise<{ url: string; close (): Promise<void> }> {
  const to = new URL(target)
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const up = httpRequest({ host: to.hostname, port: to.port, path: req.url, method: req.method, headers: { 'content-type': 'application/json' } }, (answer) => {
        const parts: Buffer[] = []
        answer.on('data', (c: Buffer) => parts.push(c))
        answer.on('end', () => {
          let text = Buffer.concat(parts).toString()
          if (req.method === 'POST') {
            const json = JSON.parse(text) as { outputs: { data: number[] }[] }
            json.outputs[0]!.data = json.outputs[0]!.data.map((x) => x * factor)
            text = JSON.stringify(json)
          }
          res.writeHead(answer.statusCode ?? 502, { 'content-type': 'application/json' })
          res.end(text)
        })
      })
      up.end(Buffer.concat(chunks))
    })
  })
  return { url: await listen(server), close: () => closeServer(server) }
}

async function listen (server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function closeServer (server: Server): Promise<void> {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
}
