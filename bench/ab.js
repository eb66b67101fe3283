/**
 * Scenario "ab": a change against another checkout, in one run. The bare proxy, this checkout's
 * gateway and the `--baseline <dir>` checkout's gateway (both built, one version, pino at info, the
 * OIP request) stay up for the whole run and are measured in turn, round after round, so a busy
 * shared machine weighs on all three alike; the figures are the medians of the rounds' ratios
 * against the bare proxy and against each other (a ratio per round, then the median, rather than
 * the ratio of medians: each round's three runs saw about the same machine).
 *
 *   node bench/run.js ab --baseline /tmp/main-checkout [--rounds 5] [--duration 4] [--warmup 1]
 */
import { resolve } from 'node:path'
import { TARGETS, baselineTarget } from './passthrough.js'
import { ratio, runTargets } from './lib/targets.js'

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

export default {
  name: 'ab',
  description: 'this checkout\'s gateway vs --baseline <dir>\'s, with the bare proxy, interleaved rounds',
  inDefaultRun: false,
  async run (ctx) {
    if (ctx.opts.baseline === undefined) throw new Error('ab needs --baseline <dir> (a built checkout to compare against)')
    const targets = [TARGETS.find((t) => t.label === 'bare-proxy'), TARGETS.find((t) => t.label === 'gateway'), baselineTarget(resolve(ctx.opts.baseline))]
    // Every round is kept: on a machine busy enough to need this scenario the discard rule would
    // re-run every round; the interleaving, not the discarding, is what makes the ratios fair.
    const rows = await runTargets({ ...ctx, opts: { ...ctx.opts, discard: undefined } }, targets, { keepAlive: true })
    const rounds = (label) => rows.find((r) => r.target === label)?.perRound ?? []
    const [bare, gw, base] = ['bare-proxy', 'gateway', 'gateway-baseline'].map(rounds)
    const per = (a, b, f) => median(a.map((r, i) => b[i] === undefined ? NaN : f(r, b[i])))
    const figures = [
      ['gateway RPS / bare-proxy RPS (median of per-round ratios)', ratio(per(gw, bare, (x, y) => x.rps / y.rps), 1)],
      ['gateway-baseline RPS / bare-proxy RPS', ratio(per(base, bare, (x, y) => x.rps / y.rps), 1)],
      ['gateway RPS / gateway-baseline RPS', ratio(per(gw, base, (x, y) => x.rps / y.rps), 1)],
      ['gateway CPU us/req / gateway-baseline\'s', ratio(per(gw, base, (x, y) => x.proxyCpuUsPerReq / y.proxyCpuUsPerReq), 1)],
      ['gateway CPU us/req / bare-proxy\'s', ratio(per(gw, bare, (x, y) => x.proxyCpuUsPerReq / y.proxyCpuUsPerReq), 1)],
      ['gateway-baseline CPU us/req / bare-proxy\'s', ratio(per(base, bare, (x, y) => x.proxyCpuUsPerReq / y.proxyCpuUsPerReq), 1)]
    ]
    return { rows, figures, notes: [`Baseline: ${resolve(ctx.opts.baseline)}. Ratios are medians over the rounds of each round's ratio.`] }
  }
}
