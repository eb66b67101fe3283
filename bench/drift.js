/**
 * Scenario "drift" (issue 5): what does inline drift monitoring cost per request? The gateway serves
 * v1 with its transform and is loaded with one named-feature instance per request (`:predict`),
 *   no-drift   the model has no `drift` section
 *   drift      `drift: { reference: models/hit-predictor/reference.json }` (12 features binned, the
 *              top-1 country counted; counter deltas and the PSI/JS gauges are computed at scrape time)
 * During each target (warm-up and measured run) /metrics is scraped once a second, as Prometheus
 * would, so the scrape-time flush is in the proxy CPU of the drift row. After the load the scrape
 * itself is measured on the idle gateway: CPU and wall time per /metrics request.
 */
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { REQUESTS, startGateway, startModelServer } from './lib/parties.js'
import { fetchText, sumOf } from './lib/metrics-text.js'
import { readCpuTicks } from './lib/procs.js'
import { fmt, LOAD_COLUMNS, median, round } from './lib/report.js'
import { added, rowOf, runTargets } from './lib/targets.js'
import { v1Models } from './transform.js'

export const REFERENCE = fileURLToPath(new URL('../models/hit-predictor/reference.json', import.meta.url))
const SCRAPE_EVERY_MS = 1000
/** Scrapes timed back to back on the idle gateway: enough clock ticks (10 ms each) for a stable mean. */
const IDLE_SCRAPES = 200

/** Scrape `url` every `everyMs` until stopped, keeping each scrape's wall time (ms). */
function startScraper (url, everyMs) {
  const wallMs = []
  let failures = 0
  const timer = setInterval(async () => {
    const started = performance.now()
    try {
      await fetchText(url)
      wallMs.push(performance.now() - started)
    } catch {
      failures++
    }
  }, everyMs)
  return { wallMs, failures: () => failures, stop: () => clearInterval(timer) }
}

/**
 * CPU (gateway process, us) and wall time (ms) per /metrics request on an idle gateway: the cost of
 * one scrape with the drift flush and gauges, apart from the requests.
 */
async function idleScrapeCost (ctx, pid, url) {
  await sleep(200) // let the last in-flight requests of the load finish
  const walls = []
  const before = readCpuTicks(pid)
  for (let i = 0; i < IDLE_SCRAPES; i++) {
    const started = performance.now()
    await fetchText(url)
    walls.push(performance.now() - started)
  }
  const ticks = readCpuTicks(pid) - before
  return { scrapeIdleCpuUs: Math.round(ticks / ctx.ticksPerSec * 1e6 / IDLE_SCRAPES), scrapeIdleWallMs: round(median(walls), 3) }
}

function driftTarget (label, withDrift) {
  return {
    label,
    async setup (ctx) {
      const request = REQUESTS.predictNamed
      const model = await startModelServer(ctx, { version: 'v1' })
      const modelExtra = withDrift ? { drift: { reference: REFERENCE } } : {}
      const gw = await startGateway(ctx, { models: v1Models(model.url, { modelExtra }), check: request })
      const metricsUrl = `${gw.adminUrl}/metrics`
      const scraper = startScraper(metricsUrl, SCRAPE_EVERY_MS)
      return {
        url: gw.url,
        path: request.path,
        body: request.body,
        proxy: gw.party,
        upstreams: [model.party],
        async collect () {
          scraper.stop()
          const metrics = await fetchText(metricsUrl)
          const walls = scraper.wallMs
          return {
            drift: withDrift,
            scrapes: walls.length,
            scrapeFailures: scraper.failures(),
            // Under load the scrape waits its turn in the event loop: what Prometheus would see.
            scrapeLoadedWallP50Ms: round(median(walls), 3),
            scrapeLoadedWallMaxMs: walls.length === 0 ? null : round(Math.max(...walls), 3),
            metricsBytes: Buffer.byteLength(metrics),
            // Proof the drift path ran: every request adds one observation per tracked feature.
            featureObservations: sumOf(metrics, 'headliner_feature_observations_total'),
            predictionClassCount: sumOf(metrics, 'headliner_prediction_class_total'),
            ...await idleScrapeCost(ctx, gw.party.pid, metricsUrl)
          }
        },
        cleanup: () => scraper.stop()
      }
    }
  }
}

const COLUMNS = [
  ...LOAD_COLUMNS.filter(([h]) => h !== 'core 1: load gen / all %'),
  ['scrapes (loaded p50 / max ms)', (r) => `${r.scrapes} (${fmt(r.scrapeLoadedWallP50Ms, 1)} / ${fmt(r.scrapeLoadedWallMaxMs, 1)})`],
  ['idle scrape: CPU us / wall ms', (r) => `${fmt(r.scrapeIdleCpuUs, 0)} / ${fmt(r.scrapeIdleWallMs, 2)}`],
  ['/metrics kB', (r) => fmt(r.metricsBytes / 1024, 1)],
  ['feature observations / predictions counted', (r) => `${fmt(r.featureObservations, 0)} / ${fmt(r.predictionClassCount, 0)}`]
]

export default {
  name: 'drift',
  description: 'named-feature :predict through v1\'s transform, without and with drift monitoring, /metrics scraped every second',
  inDefaultRun: false,
  async run (ctx) {
    const rows = await runTargets(ctx, [driftTarget('no-drift', false), driftTarget('drift', true)])
    const off = rowOf(rows, 'no-drift')
    const on = rowOf(rows, 'drift')
    for (const r of rows) if (r.scrapeFailures > 0) ctx.log(`WARNING ${r.target}: ${r.scrapeFailures} scrapes of /metrics failed`)
    if (!(on.featureObservations > 0)) ctx.log('WARNING drift: no headliner_feature_observations_total counted; the drift row did not measure drift')
    const perSecondUs = on.scrapeIdleCpuUs - off.scrapeIdleCpuUs
    return {
      rows,
      columns: COLUMNS,
      figures: [
        ['drift overhead: proxy CPU us/req, drift - no-drift (scrapes included)', Math.round((on.proxyCpuUsPerReq - off.proxyCpuUsPerReq) * 10) / 10],
        ['drift: added p50 (ms)', added(on.p50Ms, off.p50Ms)],
        ['drift: added p99 (ms)', added(on.p99Ms, off.p99Ms)],
        ['drift: RPS / no-drift RPS', Math.round(on.rps / off.rps * 100) / 100],
        ['one /metrics scrape, idle gateway, CPU us: drift', on.scrapeIdleCpuUs],
        ['one /metrics scrape, idle gateway, CPU us: no-drift', off.scrapeIdleCpuUs],
        [`scrape cost the drift section adds, per request at ${fmt(on.rps, 0)} req/s and one scrape a second (us)`, Math.round(perSecondUs / on.rps * 100) / 100]
      ],
      notes: [
        'Both targets: v1 with its transform, one named-feature instance per request, /metrics scraped once a second by the runner (core 1) during warm-up and run.',
        `Idle scrape cost: ${IDLE_SCRAPES} back-to-back GET /metrics after the load, gateway CPU from /proc/<pid>/stat; the counter deltas are small by then, so it is the cost of serialising the series and recomputing the window gauges.`
      ]
    }
  }
}
