/**
 * Micro: the per-request bookkeeping of the gateway, each as it was and as it is, side by side in one
 * process (a busy machine weighs on both alike): the line per response (a pino child per request
 * with redaction, against the one logger built at start-up without it), the five metric
 * observations of a request (`labels(...)` each time, against children resolved once), and the
 * finished call handed to the observers (a rest-destructuring spread, against finishCall).
 * The pino destination is an in-memory sink: the cost is serialising, not writing.
 */
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { bench } from './harness.js'

const { createMetrics } = await import('../../dist/metrics/metrics.js')
const { finishCall } = await import('../../dist/runtime/call.js')
const { errField } = await import('../../dist/telemetry/log-context.js')

let written = 0
const sink = { write (s) { written += s.length } }
const redact = { paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie', 'res.headers["set-cookie"]'], censor: '[redacted]' }
const root = pino({ level: 'info', redact }, sink)
const lines = root.child({}, { serializers: { err: errField }, redact: [] })
const fields = (i) => ({ req: { method: 'POST', url: '/v2/models/hit-predictor/infer', remoteAddress: '127.0.0.1' }, res: { statusCode: 200 }, responseTime: 3.21 + (i & 7), model: 'hit-predictor', version: 'v1', route: 'weight' })

const metrics = createMetrics(new Registry(), { defaultMetrics: false })
const children = {
  inflight: metrics.inflight.labels('hit-predictor'),
  requests: metrics.requests.labels('hit-predictor', 'v1', 'primary', 'weight', '200'),
  requestDuration: metrics.requestDuration.labels('hit-predictor', 'v1', 'primary'),
  upstreamDuration: metrics.upstreamDuration.labels('hit-predictor', 'v1', 'primary')
}

const model = { name: 'hit-predictor' }
const version = { name: 'v1' }
const body = Buffer.from('{"inputs":[]}')
const call = (i) => ({ model, version, route: 'weight', protocol: 'v2', requestId: `r${i & 7}`, requestBody: body, releases: [], parsed: {}, upstreamBody: body, upstreamPath: '/v2/models/hit-predictor/infer', upstreamKind: 'v2', upstreamMs: 1.2, upstreamStatus: 200, responseBody: body })
const calls = Array.from({ length: 8 }, (_, i) => call(i))
function spreadFinish (c, status, durationMs) {
  const { responseParsed: _p, requestBody: _b, releases: _r, ...rest } = c
  return Object.freeze({ ...rest, status, durationMs, responseJson: () => undefined })
}

export default [
  bench('request line: pino child per request + redaction (before)', (i) => {
    root.child({ reqId: `r${i}` }, { serializers: { err: errField } }).info(fields(i), 'request completed')
    return written
  }, { iterations: 50_000 }),
  bench('request line: one logger, reqId a field, no redaction (now)', (i) => {
    lines.info({ reqId: `r${i}`, ...fields(i) }, 'request completed')
    return written
  }, { iterations: 50_000 }),
  bench('metrics: 5 observations with labels(...) each (before)', () => {
    metrics.inflight.labels('hit-predictor').inc()
    metrics.requests.labels('hit-predictor', 'v1', 'primary', 'weight', String(200)).inc()
    metrics.requestDuration.labels('hit-predictor', 'v1', 'primary').observe(0.004)
    metrics.upstreamDuration.labels('hit-predictor', 'v1', 'primary').observe(0.003)
    metrics.inflight.labels('hit-predictor').dec()
    return 1
  }, { iterations: 50_000 }),
  bench('metrics: 5 observations on resolved children (now)', () => {
    children.inflight.inc()
    children.requests.inc()
    children.requestDuration.observe(0.004)
    children.upstreamDuration.observe(0.003)
    children.inflight.dec()
    return 1
  }, { iterations: 50_000 }),
  bench('finished call: rest-destructuring spread (before)', (i) => spreadFinish(calls[i & 7], 200, 3), { iterations: 50_000 }),
  bench('finished call: finishCall, field by field (now)', (i) => finishCall(calls[i & 7], 200, 3), { iterations: 50_000 })
]
