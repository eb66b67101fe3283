/**
 * Child process: the load generator (autocannon), run pinned on its own core. With `warmup` (s) it
 * first loads the target unmeasured, prints the line `warm`, and goes straight on to the measured run
 * (one process start instead of two: on a busy machine a node start-up costs a second). Then prints one
 * JSON object on stdout: autocannon's figures plus a microsecond-resolution latency summary.
 *
 *   node bench/lib/load.js '{"url":"http://127.0.0.1:8080/v2/models/hit-predictor/infer",
 *                            "body":"{...}","connections":32,"duration":10,"warmup":1}'
 */
import autocannon from 'autocannon'
import { LatencyHistogram } from './histogram.js'

const opts = JSON.parse(process.argv[2] ?? '{}')

let nextUser = 0
function stickyRequest (req) {
  nextUser = (nextUser + 1) % (opts.stickyKeys ?? 1000)
  return { ...req, headers: { ...req.headers, [opts.stickyHeader]: `user-${nextUser}` } }
}

/** One autocannon run of `duration` s; `hist` (optional) records every 2xx latency. */
function load (duration, hist) {
  return new Promise((resolve, reject) => {
    const instance = autocannon({
      url: opts.url,
      method: opts.method ?? 'POST',
      headers: { 'content-type': 'application/json', ...opts.headers },
      body: opts.body,
      connections: opts.connections ?? 32,
      duration,
      timeout: opts.timeoutSec ?? 10,
      // Sticky routing: header `stickyHeader` cycles over `stickyKeys` user ids, one per request.
      ...(opts.stickyHeader !== undefined ? { requests: [{ setupRequest: stickyRequest }] } : {}),
      // A fixed total rate (req/s) instead of as fast as possible: CPU per request compared at equal load.
      ...(opts.rate !== undefined && opts.rate !== null ? { overallRate: opts.rate } : {})
    }, (err, result) => (err ? reject(err) : resolve(result)))
    // responseTime is fractional ms (process.hrtime); only 2xx, as autocannon does.
    if (hist !== undefined) {
      instance.on('response', (_client, statusCode, _bytes, responseTime) => {
        if (statusCode >= 200 && statusCode < 300) hist.record(responseTime)
      })
    }
    process.once('SIGINT', () => instance.stop())
  })
}

function cpuPercent ({ user, system }, wallMs) {
  return (user + system) / 1000 / wallMs * 100
}

try {
  if (opts.warmup > 0) {
    await load(opts.warmup)
    process.stdout.write('warm\n')
  }
  const hist = new LatencyHistogram()
  const cpuStart = process.cpuUsage()
  const wallStart = performance.now()
  const result = await load(opts.duration ?? 10, hist)
  const cpu = process.cpuUsage(cpuStart)
  const out = {
    url: opts.url,
    connections: result.connections,
    durationSec: result.duration,
    requests: result.requests.total,
    rps: result.requests.average,
    ok2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    // autocannon's own percentiles (whole milliseconds: its histogram truncates)
    autocannonLatencyMs: { mean: result.latency.mean, p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    latencyMs: hist.summary(),
    // Near 100 % means the load generator, not the server, set the pace.
    loadCpuPct: Math.round(cpuPercent(cpu, performance.now() - wallStart)),
    // Its own CPU time, so the runner can tell the parties' CPU from other processes' (the discard rule).
    loadCpuUs: cpu.user + cpu.system
  }
  process.stdout.write(JSON.stringify(out) + '\n')
} catch (err) {
  console.error(`load: ${err.message}`)
  process.exit(1)
}
