/**
 * Child process: the baseline of DESIGN.md section 10, a bare fastify 5 + @fastify/http-proxy with
 * the plugin's defaults (no logger, reply-from's own undici pool). Anything Headliner does beyond
 * this is its cost.
 *
 *   node bench/lib/bare-proxy.js '{"port":8081,"upstream":"http://127.0.0.1:9001"}'
 */
import Fastify from 'fastify'
import proxy from '@fastify/http-proxy'

const { port, upstream } = JSON.parse(process.argv[2] ?? '{}')
if (typeof upstream !== 'string') throw new Error('bare-proxy: the argument needs "upstream" (URL of the model server)')
const app = Fastify()
await app.register(proxy, { upstream })
await app.listen({ host: '127.0.0.1', port })
const stop = () => { app.close().finally(() => process.exit(0)) }
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
