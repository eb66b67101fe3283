/**
 * The extension point of the benchmarks. A scenario (bench/<name>.js) is:
 *
 *   export default {
 *     name: 'passthrough',
 *     description: 'one line',
 *     inDefaultRun: true,                      // does `node bench/run.js` (no argument) run it?
 *     async run (ctx) { return { rows, figures, notes } }
 *   }
 *
 * `ctx` is { group, opts, tmpDir, ticksPerSec, log }. Most scenarios build a list of targets and
 * hand it to runTargets(); a target is
 *
 *   { label, async setup (ctx) { ...start parties (lib/parties.js)...
 *       return { url, proxy, upstreams, headers?, path?, body?, durationSec?, rssSampleMs?,
 *                collect? (row) => extra fields, read after the load, before the parties stop,
 *                cleanup? () => void, always called once the target is done (e.g. stop a timer) } } }
 *
 * Every process a setup starts is stopped once its target is measured, so targets never share a core
 * with a leftover process. Before each target, runTargets waits (up to --quiet-wait s) for every core
 * to be under 15 % busy. With --rounds N the targets run N times, interleaved (A B C A B C), and
 * each figure is the median of its rounds.
 */
import { measureTarget, rowProblems } from './measure.js'
import { noiseReasons } from './noise.js'
import { waitQuiet } from './procs.js'
import { medianRow } from './report.js'

/**
 * Measure every target `ctx.opts.rounds` times; returns one (median) row per target, in order.
 * With `ctx.opts.discard` ({ maxStealPct, maxOtherPct }), a noisy round (lib/noise.js) is discarded
 * and measured again once, while the run's time budget (`ctx.budget`: { startedAt, budgetMs }, ms) still
 * has room for the re-run AND every measurement left, at the mean time a measurement has taken so far.
 * With `keepAlive`, a target's processes start once (its first round) and stay up, idle, between its
 * rounds, so later rounds skip the start-up (seconds per gateway on a busy machine); they are all
 * stopped after the last round. (Not frozen with SIGSTOP: a gateway thawed after minutes answers 503
 * until its next readiness probe, because the probe's timeout fires on the thaw.)
 */
export async function runTargets (ctx, targets, { keepAlive = false } = {}) {
  const byLabel = new Map(targets.map((t) => [t.label, { kept: [], discarded: [] }]))
  const live = keepAlive ? new Map() : undefined
  try {
    return await measureRounds(ctx, targets, byLabel, live)
  } finally {
    for (const { spec } of live?.values() ?? []) spec.cleanup?.()
    await ctx.group.stopAll()
  }
}

async function measureRounds (ctx, targets, byLabel, live) {
  const total = ctx.opts.rounds * targets.length
  let done = 0
  for (let round = 1; round <= ctx.opts.rounds; round++) {
    for (const target of targets) {
      done++
      const prefix = `${ctx.opts.rounds > 1 ? `round ${round}/${ctx.opts.rounds}: ` : ''}${target.label}`
      const slot = byLabel.get(target.label)
      let row = await measureOnce(ctx, target, prefix, live)
      const reasons = ctx.opts.discard === undefined ? [] : noiseReasons(row, ctx.opts.discard)
      if (reasons.length > 0) {
        const budgetLeft = roomForRerun(ctx.budget, total - done)
        ctx.log(`  noisy (${reasons.join(', ')}): ${budgetLeft ? 'discarded, measuring again' : 'kept, the time budget has no room for a re-run'}`)
        if (budgetLeft) {
          slot.discarded.push({ ...row, discardReasons: reasons })
          row = await measureOnce(ctx, target, `${prefix} (again)`, live)
        }
        const still = noiseReasons(row, ctx.opts.discard)
        if (still.length > 0) row.noisy = still
      }
      slot.kept.push(row)
    }
  }
  return targets.map((t) => {
    const { kept, discarded } = byLabel.get(t.label)
    return { ...medianRow(kept), discardedRounds: discarded.length, noisyRounds: kept.filter((r) => r.noisy).length, discarded }
  })
}

/** Is there time for one more measurement plus `left` planned ones? (No budget: always.) */
function roomForRerun (budget, left) {
  if (budget === undefined) return true
  const meanMs = budget.measured > 0 ? budget.spentMs / budget.measured : 0
  return Date.now() - budget.startedAt + meanMs * (left + 1) <= budget.budgetMs
}

async function measureOnce (ctx, target, prefix, live) {
  const started = Date.now()
  try {
    return await measureSetUp(ctx, target, prefix, live)
  } finally {
    ctx.log(`  (${((Date.now() - started) / 1000).toFixed(1)} s with start and stop)`)
    if (ctx.budget !== undefined) {
      ctx.budget.measured++
      ctx.budget.spentMs += Date.now() - started
    }
  }
}

/** Start the target's parties (or reuse them, with `live`), measure, then stop (or keep) them. */
async function measureSetUp (ctx, target, prefix, live) {
  ctx.log(prefix)
  const idle = ctx.opts.quietWait > 0 ? await waitQuiet({ maxWaitMs: ctx.opts.quietWait * 1000, ticksPerSec: ctx.ticksPerSec }) : undefined
  if (idle?.quiet === false) ctx.log(`  WARNING the machine is busy (a core at ${idle.busiestPct} %) after waiting ${ctx.opts.quietWait} s: measuring anyway`)
  let spec = live?.get(target.label)?.spec
  let parties = live?.get(target.label)?.parties ?? []
  let failed = true
  try {
    if (spec === undefined) {
      const before = new Set(ctx.group.parties)
      spec = await target.setup(ctx)
      parties = [...ctx.group.parties].filter((p) => !before.has(p))
    }
    const row = await measureTarget(ctx, { label: target.label, ...spec })
    if (spec.collect !== undefined) Object.assign(row, await spec.collect(row))
    if (idle !== undefined) row.busiestCoreBeforePct = idle.busiestPct
    for (const problem of rowProblems(row)) ctx.log(`  WARNING ${problem}`)
    ctx.log(`  ${Math.round(row.rps)} req/s, p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms, proxy ${row.proxyCpuUsPerReq ?? '-'} us/req, steal ${row.stealPct} %, other ${row.otherProcsPct} %`)
    failed = false
    return row
  } finally {
    if (live !== undefined && !failed) {
      live.set(target.label, { spec, parties })
    } else {
      spec?.cleanup?.()
      live?.delete(target.label)
      await Promise.all(parties.map((p) => p.stop()))
      if (live === undefined) await ctx.group.stopAll()
    }
  }
}

/** Find a row by target label (throws when a scenario asks for one it did not measure). */
export function rowOf (rows, label) {
  const row = rows.find((r) => r.target === label)
  if (row === undefined) throw new Error(`no row "${label}" among ${rows.map((r) => r.target).join(', ')}`)
  return row
}

/** a / b as a ratio with 2 decimals, or null. */
export function ratio (a, b) {
  return typeof a === 'number' && typeof b === 'number' && b > 0 ? Math.round((a / b) * 100) / 100 : null
}

/** a - b in ms with 3 decimals, or null. */
export function added (a, b) {
  return typeof a === 'number' && typeof b === 'number' ? Math.round((a - b) * 1000) / 1000 : null
}
