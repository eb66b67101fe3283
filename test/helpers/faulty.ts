/**
 * Upstreams that misbehave in one specific way, on real sockets: they answer health and metadata
 * like an OIP server, and break only on inference (`half500`: every other inference, the others get
 * a valid 2-class OIP answer).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

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
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) })
  }
}
