/**
 * Soak (not in CI): a gateway in front of a primary that fails 5 % of its calls (500), a second
 * version, and a shadow that is down half of the time (its port closed for 15 s, open for 15 s), at
 * a steady request rate for --minutes. Reports the process's RSS and active handles at the start and
 * the end (after a GC when --expose-gc is given), and every non-2xx answer next to the gateway
 * counters that explain it: nothing may be unexplained.
 *
 *   npm run build && node --expose-gc bench/soak.js --minutes 10 --rate 100
 *
 * Everything runs in this one process (gateway, upstreams, load), so RSS is the sum; what matters
 * is that it is flat from the warm-up to the end.
 */
import { createServer } from 'node:http'
import { parseArgs } from 'node:util'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { Agent, request } from 'undici'
import { buildApp } from '../dist/app.js'
import { ConfigSchema } from '../dist/config/schema.js'
import { startModelServer } from '../dist/demo/model-server.js'
import { samples, sumBy, sumOf } from './lib/metrics-text.js'

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '10' }, rate: { type: 'string', default: '100' } } })
const minutes = Number(values.minutes)
const rate = Number(values.rate)
const BODY = JSON.stringify({ inputs: [{ name: 'song_features', shape: [1, 12], datatype: 'FP32', data: [0.71, 0.8, 5, -5.2, 1, 0.05, 0.1, 0, 0.12, 0.6, 118, 201000] }] })

/** Seeded uniform [0, 1): the same failures on every run. */
function mulberry (seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const listen = (server, port = 0) => new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server.address().port)))

const good = await startModelServer({ version: 'v1', port: 0 })
const second = await startModelServer({ version: 'v2', port: 0 })
// v1's answers, except 5 % of inference calls that answer 500
const fail = mulberry(1)
const failing = createServer((req, res) => {
  const chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => {
    if (req.method === 'POST' && fail() < 0.05) { res.writeHead(500); res.end('boom'); return }
    request(good.url + req.url, { method: req.method, body: req.method === 'POST' ? Buffer.concat(chunks) : undefined, headers: { 'content-type': 'application/json' } })
      .then(async (up) => { res.writeHead(up.statusCode, { 'content-type': 'application/json' }); res.end(Buffer.from(await up.body.arrayBuffer())) }, () => { res.writeHead(502); res.end() })
  })
})
const failingPort = await listen(failing)
// the shadow: v3's demo server behind a port that closes and opens every 15 s
const shadowModel = await startModelServer({ version: 'v3', port: 0 })
let shadowProxy
let shadowPort = 0
const shadowUp = async () => {
  shadowProxy = createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => request(shadowModel.url + req.url, { method: req.method, body: req.method === 'POST' ? Buffer.concat(chunks) : undefined, headers: { 'content-type': 'application/json' } })
      .then(async (up) => { res.writeHead(up.statusCode, { 'content-type': 'application/json' }); res.end(Buffer.from(await up.body.arrayBuffer())) }, () => { res.writeHead(502); res.end() }))
  })
  shadowPort = await listen(shadowProxy, shadowPort)
}
const shadowDown = () => new Promise((resolve) => { shadowProxy.closeAllConnections(); shadowProxy.close(resolve) })
await shadowUp()

const config = ConfigSchema.parse({
  schemaVersion: 1,
  models: {
    'hit-predictor': {
      versions: {
        v1: { url: `http://127.0.0.1:${failingPort}`, weight: 90 },
        v2: { url: second.url, weight: 10 },
        s: { url: `http://127.0.0.1:${shadowPort}`, mirror: 100 }
      }
    }
  }
})
const app = await buildApp({ config, logger: pino({ level: 'warn' }, pino.destination(2)), registry: new Registry(), random: mulberry(2) })
await app.start()
const url = await app.data.listen({ host: '127.0.0.1', port: 0 })
const adminUrl = await app.admin.listen({ host: '127.0.0.1', port: 0 })

const sample = () => {
  globalThis.gc?.()
  return { rssMiB: Math.round(process.memoryUsage().rss / 1048576), handles: process.getActiveResourcesInfo().length }
}
const agent = new Agent({ connections: 64 })
const statuses = new Map()
let inflight = 0
const count = (key) => statuses.set(key, (statuses.get(key) ?? 0) + 1)
const fire = () => {
  inflight++
  request(url + '/v2/models/hit-predictor/infer', { method: 'POST', body: BODY, headers: { 'content-type': 'application/json' }, dispatcher: agent })
    .then(async (res) => { await res.body.dump(); count(String(res.statusCode)) }, (err) => count(err.code ?? 'error'))
    .finally(() => { inflight-- })
}

// 30 s warm-up, then the start sample
const tick = setInterval(() => { for (let i = 0; i < rate / 20; i++) fire() }, 50)
let down = false
const flap = setInterval(() => { (down ? shadowUp() : shadowDown()).then(() => { down = !down }) }, 15_000)
await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, minutes * 60_000 / 4)))
const start = sample()
await new Promise((resolve) => setTimeout(resolve, minutes * 60_000))
clearInterval(tick)
clearInterval(flap)
while (inflight > 0) await new Promise((resolve) => setTimeout(resolve, 50))
const end = sample()

const text = await (await request(adminUrl + '/metrics')).body.text()
const errors = sumBy(text, 'headliner_upstream_errors_total', 'kind')
const codes = {}
for (const s of samples(text, 'headliner_requests_total')) if (s.labels.role === 'primary') codes[s.labels.code] = (codes[s.labels.code] ?? 0) + s.value
const shadow = sumBy(text, 'headliner_shadow_requests_total', 'outcome')
const client = Object.fromEntries([...statuses].sort())
const non2xx = Object.entries(client).filter(([k]) => !k.startsWith('2')).reduce((a, [, n]) => a + n, 0)
const explained = (errors.status ?? 0) + (errors.connect ?? 0) + (errors.timeout ?? 0) + (errors.protocol ?? 0) + (errors.invalid_prediction ?? 0) - sumOf(text, 'headliner_retries_total')
console.log(JSON.stringify({
  minutes, rate, start, end,
  client,
  gateway: { requestsByCode: codes, upstreamErrors: errors, retries: sumOf(text, 'headliner_retries_total'), overloaded: sumOf(text, 'headliner_overloaded_total'), ejected: sumOf(text, 'headliner_version_ejected'), shadow },
  non2xx,
  explainedByUpstreamErrors: explained,
  unexplained: non2xx - explained
}, null, 2))
await agent.close()
await app.close()
await shadowDown().catch(() => {})
failing.close()
await Promise.all([good.close(), second.close(), shadowModel.close()])
process.exit(non2xx === explained ? 0 : 1)
