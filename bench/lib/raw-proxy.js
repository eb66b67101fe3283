/**
 * Child process: the floor under any Node proxy here, not a product. node:http in, one undici Pool
 * out, nothing else: no framework, no routing, no validation, no metrics, no log line. The request
 * body is read whole and sent as one Buffer, the answer read whole and written with one `end()`.
 * The gap between this row and the bare fastify proxy is fastify + @fastify/http-proxy's cost; the
 * gap between this row and nginx is Node's own (node:http parsing, streams, the event loop).
 *
 *   node bench/lib/raw-proxy.js '{"port":8082,"upstream":"http://127.0.0.1:9001"}'
 */
import { createServer } from 'node:http'
import { Pool } from 'undici'

const { port, upstream } = JSON.parse(process.argv[2] ?? '{}')
if (typeof upstream !== 'string') throw new Error('raw-proxy: the argument needs "upstream" (URL of the model server)')
const pool = new Pool(upstream, { connections: 64, pipelining: 1, keepAliveTimeout: 30_000 })

function readAll (req) {
  return new Promise((resolve, reject) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

const server = createServer((req, res) => {
  readAll(req)
    .then((body) => pool.request({ method: req.method, path: req.url, body: body.length > 0 ? body : undefined, headers: { 'content-type': req.headers['content-type'] ?? 'application/json' } }))
    .then(async (answer) => {
      const body = Buffer.from(await answer.body.arrayBuffer())
      res.writeHead(answer.statusCode, { 'content-type': answer.headers['content-type'] ?? 'application/json', 'content-length': body.length })
      res.end(body)
    })
    .catch(() => { if (!res.headersSent) res.writeHead(502); res.end() })
})
server.keepAliveTimeout = 30_000
server.listen(port, '127.0.0.1')
const stop = () => { server.close(); pool.close().finally(() => process.exit(0)) }
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
