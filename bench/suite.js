/**
 * Scenario "suite" (`npm run bench`, issue 16): every group of targets in ONE run, interleaved rounds
 * (A B C ... A B C), always with the direct and bare-proxy baselines, and nginx / haproxy with the same
 * 90/10 split (nginx's `mirror` for the shadow rows) where they are installed. Each row gets its
 * ratios (x direct, x bare, x nginx) against baselines of the same run, and the goals are
 * checked from the medians. `--only passthrough,shadow` runs some groups (baselines included);
 * `--quick` is 1 round of 3 s (the machinery test). The README table is generated from the result
 * file (lib/suite-report.js), never edited by hand.
 */
import { nativeProxies } from './lib/native-proxies.js'
import { GROUPS, SLOW_SHADOW_MS } from './lib/suite-targets.js'
import { added, ratio, runTargets } from './lib/targets.js'
import { SUITE_COLUMNS } from './lib/suite-report.js'

export const GROUP_NAMES = Object.keys(GROUPS).filter((g) => g !== 'baseline')

/** The targets of a run: the baselines, then the chosen groups; nginx/haproxy rows only where installed. */
export function chooseTargets (only, installed = nativeProxies()) {
  const unknown = only.filter((g) => !GROUP_NAMES.includes(g))
  if (unknown.length > 0) throw new Error(`--only: unknown group ${unknown.join(', ')}; known: ${GROUP_NAMES.join(', ')}`)
  const groups = only.length > 0 ? only : GROUP_NAMES
  const all = [...GROUPS.baseline, ...groups.flatMap((g) => GROUPS[g])]
  const skipped = all.filter((t) => t.native !== undefined && !installed[t.native])
  return { groups, targets: all.filter((t) => !skipped.includes(t)), skipped }
}

/** Each row's ratios against the baselines it names (`vs`), all from this run's medians. */
export function withRatios (rows, targets) {
  const byLabel = new Map(rows.map((r) => [r.target, r]))
  return rows.map((row, i) => {
    const vs = targets[i].vs
    const base = (key) => byLabel.get(vs[key])
    return {
      ...row,
      group: targets[i].group,
      xDirect: ratio(row.rps, base('direct')?.rps),
      xBare: ratio(row.rps, base('bare')?.rps),
      xNginx: vs.nginx === undefined ? null : ratio(row.rps, base('nginx')?.rps),
      nginxBaseline: vs.nginx ?? null,
      addedP50VsDirectMs: added(row.p50Ms, base('direct')?.p50Ms)
    }
  })
}

/** The goals of issue 16, each { goal, value, met } (met null: not measured in this run; 'invalid': a row it uses had failures). */
export function goals (rows) {
  const r = (label) => rows.find((x) => x.target === label)
  const gw = r('gateway 90/10'); const bare = r('bare-proxy'); const nginx = r('nginx 90/10')
  const mirror = r('nginx mirror'); const healthy = r('gateway shadow healthy'); const off = r('gateway shadow off')
  const out = []
  // A row with errors or non-2xx answers measured fast failures, not the proxy: its goals are invalid.
  const failing = rows.filter((x) => x.errors > 0 || x.non2xx > 0).map((x) => x.target)
  const check = (goal, value, met) => {
    const invalid = failing.filter((t) => goal.includes(t.replace('gateway ', '')) || (goal.startsWith('passthrough') && t === 'gateway 90/10'))
    out.push({ goal, value, met: value === null || value === undefined ? null : invalid.length > 0 ? 'invalid' : met })
  }
  check('passthrough (90/10, info): >= 1.5x bare-proxy req/s', gw && ratio(gw.rps, bare.rps), gw && gw.rps >= 1.5 * bare.rps)
  check('passthrough: added p50 over direct <= bare-proxy\'s (ms)', gw && `${gw.addedP50VsDirectMs} vs ${bare.addedP50VsDirectMs}`, gw && gw.addedP50VsDirectMs <= bare.addedP50VsDirectMs)
  check('moonshot: passthrough >= 0.5x nginx 90/10 req/s', gw && nginx && ratio(gw.rps, nginx.rps), gw && nginx && gw.rps >= 0.5 * nginx.rps)
  check('shadow healthy 100 %: >= 1.0x nginx mirror req/s', healthy && mirror && ratio(healthy.rps, mirror.rps), healthy && mirror && healthy.rps >= mirror.rps)
  check('shadow healthy: primary p50 below nginx mirror\'s (ms)', healthy && mirror && `${healthy.p50Ms} vs ${mirror.p50Ms}`, healthy && mirror && healthy.p50Ms < mirror.p50Ms)
  for (const label of [`gateway shadow slow (${SLOW_SHADOW_MS} ms)`, 'gateway shadow dead']) {
    const row = r(label)
    check(`${label.replace('gateway ', '')}: primary p99 <= 1.1x shadow off's`, row && off && ratio(row.p99Ms, off.p99Ms), row && off && row.p99Ms <= 1.1 * off.p99Ms)
  }
  const all = r('gateway everything on')
  check('everything on: >= 0.8x bare-proxy req/s', all && ratio(all.rps, bare.rps), all && all.rps >= 0.8 * bare.rps)
  const dead = r('gateway shadow dead')
  check('memory: dead-shadow peak RSS below bare-proxy\'s (MB)', dead && `${dead.proxyPeakRssMb} vs ${bare.proxyPeakRssMb}`, dead && dead.proxyPeakRssMb < bare.proxyPeakRssMb)
  check('memory: RSS within +10 % after 10 min with a dead shadow', null, null)
  return out
}

export default {
  name: 'suite',
  description: 'every group in one run: direct, bare proxy, nginx, haproxy and the gateway (passthrough, sticky, transform, drift, shadow, everything on, 32-row batches)',
  inDefaultRun: true,
  async run (ctx) {
    const { groups, targets, skipped } = chooseTargets(ctx.opts.only ?? [])
    const medians = await runTargets(ctx, targets, { keepAlive: true })
    const rows = withRatios(medians, targets)
    const discarded = rows.reduce((a, row) => a + row.discardedRounds, 0)
    const noisy = rows.reduce((a, row) => a + row.noisyRounds, 0)
    const notes = [
      `Rounds: ${ctx.opts.rounds} per target, interleaved; ${discarded} round(s) discarded as noisy and measured again, ${noisy} kept round(s) still noisy (steal > ${ctx.opts.discard.maxStealPct} % or other processes > ${ctx.opts.discard.maxOtherPct} % of a core).`,
      ...skipped.map((t) => `${t.label}: skipped, ${t.native} is not installed here.`),
      'Sticky rows cycle the x-user-id header over 1,000 users (one per request); nginx and haproxy do not log requests, the gateway logs one line per request at info (to /dev/null).',
      'Not in this run: the 10-minute dead-shadow memory soak (`node bench/run.js shadow --rss-duration 600`).'
    ]
    return { rows, columns: SUITE_COLUMNS, goals: goals(rows), groups, discardedRounds: discarded, noisyRounds: noisy, notes }
  }
}
