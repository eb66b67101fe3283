/**
 * Measure one target: warm up, then load it for the configured duration (one load-generator process
 * for both) while reading the CPU
 * time (/proc/<pid>/stat) of the proxy and of the upstreams before and after, and the proxy's
 * resident memory (/proc/<pid>/status). Returns one row of the results table.
 */
import { setInterval as every } from 'node:timers'
import { INFER_BODY, INFER_PATH, LOAD_CORE, runLoad, SERVER_CORE } from './parties.js'
import { readCoreTicks, readCpuTicks, readStatusKb } from './procs.js'
import { round } from './report.js'

/**
 * @param ctx the run context ({ group, opts: { duration, warmup, connections }, ticksPerSec })
 * @param target { label, url (base URL), proxy?: Party, upstreams: Party[], path?, body? (default the OIP request), headers?,
 *                 durationSec?, rate? (fixed req/s; default ctx.opts.rate, else as fast as possible),
 *                 rssSampleMs? (sample the proxy's VmRSS during the run), sticky? ({ header, keys }: a user id per request) }
 * @returns a row: rps, latency (ms), errors, CPU us/request of proxy and upstreams, memory (MB)
 */
export async function measureTarget (ctx, target) {
  const { opts, ticksPerSec } = ctx
  const url = target.url + (target.path ?? INFER_PATH)
  const durationSec = target.durationSec ?? opts.duration
  const body = target.body ?? INFER_BODY
  const loadOpts = { url, body, headers: target.headers, rate: target.rate, sticky: target.sticky }

  const proxyPid = target.proxy?.pid
  const upstreamPids = target.upstreams.map((p) => p.pid)
  const rssSamples = []
  let before
  let sampler
  // The snapshot of every counter, taken when the measured run starts (after the warm-up, if any).
  const start = () => {
    before = {
      proxy: proxyPid === undefined ? 0 : readCpuTicks(proxyPid),
      upstreams: upstreamPids.map(readCpuTicks),
      cores: readCoreTicks(),
      runner: process.cpuUsage(),
      wall: performance.now()
    }
    if (proxyPid !== undefined && target.rssSampleMs !== undefined) {
      sampler = every(() => { rssSamples.push(Math.round(readStatusKb(proxyPid, 'VmRSS') / 1024)) }, target.rssSampleMs)
    }
  }
  if (opts.warmup === 0) start()

  let load
  try {
    load = await runLoad(ctx, { ...loadOpts, durationSec, warmupSec: opts.warmup, onWarm: start })
  } finally {
    if (sampler !== undefined) clearInterval(sampler)
  }
  if (before === undefined) throw new Error(`${target.label}: the load generator never reported the end of its warm-up`)
  const proxyBefore = before.proxy
  const upstreamBefore = before.upstreams
  const coresBefore = before.cores

  const coresAfter = readCoreTicks()
  const runnerUs = process.cpuUsage(before.runner)
  // The /proc/stat window: from the measured run's start to the load generator's exit.
  const windowSec = (performance.now() - before.wall) / 1000
  const requests = load.requests
  const pct = (ticks) => round(ticks / ticksPerSec / load.durationSec * 100)
  const usPerReq = (ticks) => requests > 0 ? (ticks / ticksPerSec) * 1e6 / requests : null
  const proxyTicks = proxyPid === undefined ? null : readCpuTicks(proxyPid) - proxyBefore
  const upstreamTicksEach = upstreamPids.map((pid, i) => readCpuTicks(pid) - upstreamBefore[i])
  const upstreamTicks = upstreamTicksEach.reduce((a, t) => a + t, 0)
  // Our parties' ticks on the server core (a scenario may put an upstream elsewhere).
  const onServerCore = (target.proxy?.core === SERVER_CORE ? proxyTicks : 0) +
    target.upstreams.reduce((a, p, i) => a + (p.core === SERVER_CORE ? upstreamTicksEach[i] : 0), 0)
  const row = {
    target: target.label,
    rps: round(load.rps),
    requests,
    p50Ms: load.latencyMs.p50,
    p99Ms: load.latencyMs.p99,
    p999Ms: load.latencyMs.p999,
    meanMs: load.latencyMs.mean,
    autocannonP50Ms: load.autocannonLatencyMs.p50,
    autocannonP99Ms: load.autocannonLatencyMs.p99,
    errors: load.errors + load.timeouts,
    non2xx: load.non2xx,
    proxyCpuUsPerReq: proxyTicks === null ? null : round(usPerReq(proxyTicks), 1),
    upstreamCpuUsPerReq: round(usPerReq(upstreamTicks), 1),
    // Share of the server core the proxy and upstreams kept busy: near 100 % means core 0 was the
    // bottleneck; well below, the load generator (loadCpuPct near 100) or waiting was.
    serverCoreBusyPct: pct(onServerCore),
    // What else ran on the server core (kernel network work for our sockets included): a noisy
    // machine shows here, and such a run should be repeated.
    serverCoreOtherPct: pct(coresAfter[SERVER_CORE].busy - coresBefore[SERVER_CORE].busy - onServerCore),
    loadCpuPct: load.loadCpuPct,
    loadCoreBusyPct: pct(coresAfter[LOAD_CORE].busy - coresBefore[LOAD_CORE].busy),
    ...noise({ coresBefore, coresAfter, ours: (proxyTicks ?? 0) + upstreamTicks, loadCpuUs: load.loadCpuUs + runnerUs.user + runnerUs.system, ticksPerSec, windowSec }),
    proxyPeakRssMb: proxyPid === undefined ? null : round(readStatusKb(proxyPid, 'VmHWM') / 1024, 1),
    proxyRssMb: proxyPid === undefined ? null : round(readStatusKb(proxyPid, 'VmRSS') / 1024, 1),
    durationSec: load.durationSec,
    connections: load.connections
  }
  if (sampler !== undefined) row.proxyRssSamplesMb = rssSamples
  return row
}

/**
 * What else the machine did during the run, for the discard rule (lib/noise.js): the steal time of
 * the busiest core, and every core's busy time minus our parties' (proxy, upstreams, the load
 * generator and this runner), both in % of one core over the run. Kernel work done on behalf of our
 * sockets in interrupt context counts as "other" too; on an idle machine it stays at a few %.
 */
function noise ({ coresBefore, coresAfter, ours, loadCpuUs, ticksPerSec, windowSec }) {
  const pct = (ticks) => round(ticks / ticksPerSec / windowSec * 100)
  const stealTicks = coresAfter.map((c, i) => c.steal - coresBefore[i].steal)
  const busyTicks = coresAfter.reduce((a, c, i) => a + c.busy - coresBefore[i].busy, 0) - stealTicks.reduce((a, t) => a + t, 0)
  const loadTicks = loadCpuUs / 1e6 * ticksPerSec
  return { stealPct: pct(Math.max(...stealTicks)), otherProcsPct: pct(Math.max(0, busyTicks - ours - loadTicks)) }
}

/** A row's problems: any error, timeout or non-2xx answer makes the figures meaningless. */
export function rowProblems (row) {
  const out = []
  if (row.errors > 0) out.push(`${row.target}: ${row.errors} errors/timeouts`)
  if (row.non2xx > 0) out.push(`${row.target}: ${row.non2xx} non-2xx answers`)
  if (!(row.requests > 0)) out.push(`${row.target}: no request completed`)
  return out
}
