/**
 * Scenario "shadow" (issue 4, isolation): the primary's latency must not depend on the shadow.
 * v1 serves 100 %; v3 is a shadow (`weight: 0, mirror: 100`) that is
 *   off       not configured (the baseline)
 *   healthy   a demo model server answering at once
 *   slow      a demo model server that waits 2 s before each answer
 *   down      a port nobody listens on (connection refused)
 * then a long run (--rss-duration, default 120 s) at full load with the dead shadow, sampling the
 * gateway's RSS every second: memory must stay flat.
 *
 * Copies are bounded: at most `shadow.maxInflight` (default 256) in flight per model, and after 5
 * consecutive failed copies a shadow's breaker opens and its copies are dropped for 1 s (then one trial
 * copy). Dropped copies are counted (headliner_shadow_requests_total{outcome="dropped"}), so the table
 * shows, from the gateway's own counters, how many copies were sent, dropped or failed and what fraction
 * of primary requests was actually compared (headliner_shadow_comparisons_total agree + disagree).
 */
import { checkInference, INFER_BODY, INFER_PATH, startGateway, startModelServer } from './lib/parties.js'
import { freePort } from './lib/procs.js'
import { sumBy, sumOf } from './lib/metrics-text.js'
import { fmt, LOAD_COLUMNS } from './lib/report.js'
import { added, ratio, rowOf, runTargets } from './lib/targets.js'

const SLOW_MS = 2000

/** The sum of headliner_shadow_requests_total per outcome, or null when the metric is absent. */
export function shadowCounts (metricsText) {
  return sumBy(metricsText, 'headliner_shadow_requests_total', 'outcome')
}

/**
 * Of the primary requests the gateway answered (warm-up included), the fraction whose shadow answer was
 * compared (agree or disagree), from the gateway's own counters; null without shadow metrics.
 */
export function comparedFraction (metricsText) {
  const comparisons = sumBy(metricsText, 'headliner_shadow_comparisons_total', 'outcome')
  const primaries = sumOf(metricsText, 'headliner_requests_total', { role: 'primary' })
  if (comparisons === null || !(primaries > 0)) return { comparisons, comparedFraction: null }
  return { comparisons, comparedFraction: ((comparisons.agree ?? 0) + (comparisons.disagree ?? 0)) / primaries }
}

async function answerBytes (baseUrl) {
  const res = await fetch(baseUrl + INFER_PATH, { method: 'POST', headers: { 'content-type': 'application/json' }, body: INFER_BODY })
  return res.text()
}

/** A target: v1 primary behind the gateway, with the shadow `kind`. */
function shadowTarget (label, kind, extra = {}) {
  return {
    label,
    async setup (ctx) {
      const primary = await startModelServer(ctx, { version: 'v1' })
      const upstreams = [primary.party]
      const versions = { v1: { url: primary.url, weight: 100 } }
      if (kind === 'healthy' || kind === 'slow') {
        const shadow = await startModelServer(ctx, { version: 'v3', delayMs: kind === 'slow' ? SLOW_MS : 0, name: `shadow-v3-${kind}` })
        upstreams.push(shadow.party)
        versions.v3 = { url: shadow.url, weight: 0, mirror: 100 }
      } else if (kind === 'down') {
        versions.v3 = { url: `http://127.0.0.1:${await freePort()}`, weight: 0, mirror: 100 }
      }
      const gw = await startGateway(ctx, { models: { 'hit-predictor': { versions } } })
      await checkInference(gw.url)
      const expected = await answerBytes(primary.url)
      return {
        url: gw.url,
        proxy: gw.party,
        upstreams,
        ...extra,
        // After the load: are primary answers still byte-identical to the model's, and what did the
        // gateway count as shadow traffic?
        async collect () {
          const primaryIdentical = (await answerBytes(gw.url)) === expected
          const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text()
          return { shadow: kind, primaryIdentical, shadowCounts: shadowCounts(metrics), ...comparedFraction(metrics) }
        }
      }
    }
  }
}

const COLUMNS = [
  ...LOAD_COLUMNS.filter(([h]) => h !== 'upstream CPU us/req'),
  ['shadow copies (by outcome)', (r) => r.shadow === 'off' ? '-' : r.shadowCounts === null ? 'n/a (no metric)' : Object.entries(r.shadowCounts).map(([k, v]) => `${k} ${v}`).join(', ') || '0'],
  ['compared', (r) => r.shadow === 'off' || r.comparedFraction === null || r.comparedFraction === undefined ? '-' : `${fmt(r.comparedFraction * 100, 1)} %`],
  ['primary bytes identical', (r) => (r.primaryIdentical ? 'yes' : 'NO')],
  ['RSS at 1/4 / end / max MB', (r) => {
    const s = r.proxyRssSamplesMb
    return s === undefined || s.length === 0 ? '-' : `${s[Math.floor(s.length / 4)]} / ${s.at(-1)} / ${fmt(Math.max(...s), 0)}`
  }]
]

export default {
  name: 'shadow',
  description: 'primary p50/p99 with a shadow off / healthy / slow (2 s) / down, and RSS over a long run with a dead shadow',
  inDefaultRun: false,
  async run (ctx) {
    const rows = await runTargets(ctx, [
      shadowTarget('shadow off', 'off'),
      shadowTarget('shadow healthy', 'healthy'),
      shadowTarget(`shadow slow (${SLOW_MS} ms)`, 'slow'),
      shadowTarget('shadow down', 'down')
    ])
    const long = await runTargets({ ...ctx, opts: { ...ctx.opts, rounds: 1 } }, [
      shadowTarget(`shadow down, ${ctx.opts.rssDuration} s`, 'down', { durationSec: ctx.opts.rssDuration, rssSampleMs: 1000 })
    ])
    const off = rowOf(rows, 'shadow off')
    const figures = [...rows, ...long].filter((r) => r !== off).flatMap((r) => [
      [`${r.target}: primary p50 added vs shadow off (ms)`, added(r.p50Ms, off.p50Ms)],
      [`${r.target}: primary p99 added vs shadow off (ms)`, added(r.p99Ms, off.p99Ms)],
      [`${r.target}: RPS / shadow off RPS`, ratio(r.rps, off.rps)],
      [`${r.target}: proxy CPU per request / shadow off's`, ratio(r.proxyCpuUsPerReq, off.proxyCpuUsPerReq)],
      [`${r.target}: primary requests compared with the shadow (%)`, r.comparedFraction === null || r.comparedFraction === undefined ? null : Math.round(r.comparedFraction * 1000) / 10]
    ])
    // Growth after the first quarter (allocator and JIT settle by then): flat memory shows ~0.
    const samples = long[0].proxyRssSamplesMb ?? []
    figures.push(
      [`dead shadow, ${ctx.opts.rssDuration} s: RSS at the end minus RSS at 1/4 of the run (MB)`, samples.length > 0 ? samples.at(-1) - samples[Math.floor(samples.length / 4)] : null],
      [`dead shadow, ${ctx.opts.rssDuration} s: RSS min / max over the run (MB)`, samples.length > 0 ? `${Math.min(...samples)} / ${Math.max(...samples)}` : null]
    )
    const implemented = rows.some((r) => r.shadowCounts !== null)
    return {
      rows: [...rows, ...long],
      columns: COLUMNS,
      figures,
      notes: implemented
        ? [
            'Shadow copies counted by the gateway\'s headliner_shadow_requests_total (warm-up included): "error" and "timeout" are copies that were sent and failed; "dropped" were never sent (over the in-flight bound, or the breaker open after 5 consecutive failures, for 1 s).',
            '"compared": agree + disagree in headliner_shadow_comparisons_total over the primary requests answered (headliner_requests_total, role primary).'
          ]
        : ['The gateway does not mirror yet (no headliner_shadow_requests_total): every row measures the primary path only; this is the baseline the shadow feature must keep.']
    }
  }
}
