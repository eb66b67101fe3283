/**
 * Rollout simulation (issue 11): 1,000 seeded runs of each scenario through the pure rollout machine
 * (the compiled one in dist/: `npm run build` first). Baseline 1 % errors and 1 % slow requests,
 * candidate at 10 %, 50 requests/s, gates evaluated every simulated second for an hour:
 *   aa          candidate identical to the baseline: false-abort rate with its 95 % Wilson interval
 *   errors-2x   candidate with 2 % errors: share aborted, median and p90 time to abort
 *   no-traffic  requests meant for the candidate never reach it: it must never pass
 * Single-threaded, no real time: `node bench/rollout-sim.js [--runs 1000] [--seconds 3600]`.
 * Writes bench/results/rollout-sim-<date>.json and prints a markdown table.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { simulate } from '../dist/rollout/sim.js'

function option (name, fallback) {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}
const RUNS = option('runs', 1000)
const SECONDS = option('seconds', 3600)

/** Wilson score interval for k successes in n trials at 95 %. */
export function wilson (k, n, z = 1.959964) {
  const p = k / n
  const centre = (p + z * z / (2 * n)) / (1 + z * z / n)
  const half = z * Math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
  return [Math.max(0, centre - half), Math.min(1, centre + half)]
}

function quantile (sorted, q) {
  return sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}

const base = { seconds: SECONDS, requestsPerSecond: 50, weight: 10, baseline: { errorRate: 0.01, slowRate: 0.01 } }
const scenarios = {
  aa: { ...base, candidate: { errorRate: 0.01, slowRate: 0.01 } },
  'errors-2x': { ...base, candidate: { errorRate: 0.02, slowRate: 0.01 } },
  'no-traffic': { ...base, candidate: { errorRate: 0, slowRate: 0 }, candidateUnreachable: true }
}

const results = {}
for (const [name, scenario] of Object.entries(scenarios)) {
  const started = performance.now()
  const status = {}
  const endedAt = []
  const passAt = []
  const byGate = {}
  for (let i = 0; i < RUNS; i++) {
    const o = simulate(scenario, 1_000_000 + i)
    status[o.status] = (status[o.status] ?? 0) + 1
    if (o.status === 'rolled_back') {
      endedAt.push(o.endedAtS)
      const gate = /^rolled back: (\w+):/.exec(o.reason)?.[1] ?? 'other'
      byGate[gate] = (byGate[gate] ?? 0) + 1
    }
    if (o.errorsPassAtS !== undefined) passAt.push(o.errorsPassAtS)
  }
  endedAt.sort((a, b) => a - b)
  passAt.sort((a, b) => a - b)
  const aborted = status.rolled_back ?? 0
  results[name] = {
    runs: RUNS, status, abortedByGate: byGate,
    abortRate: aborted / RUNS, abortRate95: wilson(aborted, RUNS),
    medianAbortS: quantile(endedAt, 0.5), p90AbortS: quantile(endedAt, 0.9),
    errorsGatePassed: passAt.length, medianErrorsPassS: quantile(passAt, 0.5),
    wallS: Math.round((performance.now() - started) / 100) / 10
  }
  process.stderr.write(`${name}: ${JSON.stringify(results[name])}\n`)
}

const pct = (v) => `${(100 * v).toFixed(1)} %`
console.log(`| scenario | runs | rolled back (95 % Wilson) | by gate | median / p90 s to abort | paused | errors gate passed (median s) |`)
console.log('|---|---|---|---|---|---|---|')
for (const [name, r] of Object.entries(results)) {
  console.log(`| ${name} | ${r.runs} | ${pct(r.abortRate)} [${pct(r.abortRate95[0])}, ${pct(r.abortRate95[1])}] | ${JSON.stringify(r.abortedByGate)} | ${r.medianAbortS ?? '-'} / ${r.p90AbortS ?? '-'} | ${r.status.paused ?? 0} | ${r.errorsGatePassed} (${r.medianErrorsPassS ?? '-'}) |`)
}
const dir = fileURLToPath(new URL('./results/', import.meta.url))
mkdirSync(dir, { recursive: true })
const file = `${dir}rollout-sim-${new Date().toISOString().replace(/:/g, '-').replace(/\..*/, 'Z')}.json`
writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, options: { runs: RUNS, seconds: SECONDS }, scenarios, results }, null, 2))
process.stderr.write(`wrote ${file}\n`)
