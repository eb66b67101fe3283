/**
 * Scenario "profile": where does the proxy's CPU go? The gateway (one version, pino at info), the
 * bare fastify proxy, and the gateway serving named features through v1's transform with drift on
 * (`:predict`) each run under `node --cpu-prof` at full load; after a graceful stop the profiles are
 * summarised: top self-time functions and self time per package.
 *
 * Unlike passthrough, the model server runs on the load core here, leaving core 0 to the proxy:
 * V8's profiler samples wall time, so on a shared core the time the proxy spends preempted by the
 * upstream (typically right after a syscall such as writev or pino's write) would be charged to that
 * syscall. Profiling also slows the process: read req/s here as relative; figures come from passthrough.
 *
 *   node bench/run.js profile [--duration 10] [--keep-profiles]   (keeps the .cpuprofile files in bench/results/)
 */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { summarizeProfileFile } from './lib/cpu-profile.js'
import { measureTarget } from './lib/measure.js'
import { LOAD_CORE, REQUESTS, startBareProxy, startGateway, startModelServer } from './lib/parties.js'
import { REFERENCE } from './drift.js'
import { v1Models } from './transform.js'
import { markdownTable } from './lib/report.js'

const TOP = 15
const RESULTS = fileURLToPath(new URL('./results/', import.meta.url))

const TOP_COLUMNS = [
  ['self %', (f) => f.selfPct.toFixed(1)],
  ['self ms', (f) => f.selfMs.toFixed(0)],
  ['function', (f) => `\`${f.functionName}\``, 'left'],
  ['where', (f) => f.location === '' ? f.area : f.location, 'left'],
  ['main caller (2 frames up)', (f) => f.mainCaller, 'left']
]

const AREA_COLUMNS = [
  ['area', (a) => a.area],
  ['self % of busy', (a) => a.selfPct.toFixed(1)],
  ['inclusive % of busy', (a) => a.inclusivePct.toFixed(1)]
]

const HEADLINER_COLUMNS = [
  ['function', (f) => `\`${f.frame}\``],
  ['inclusive ms', (f) => f.inclusiveMs.toFixed(0)],
  ['inclusive % of busy', (f) => f.inclusivePct.toFixed(1)]
]

async function profiled (ctx, label, start, request = REQUESTS.oip) {
  const dir = join(ctx.tmpDir, `cpu-prof-${label}`)
  mkdirSync(dir, { recursive: true })
  const nodeArgs = ['--cpu-prof', `--cpu-prof-dir=${dir}`]
  ctx.log(`${label} under --cpu-prof`)
  try {
    const model = await startModelServer(ctx, { version: 'v1', core: LOAD_CORE })
    const proxy = await start(model, nodeArgs)
    const row = await measureTarget(ctx, { label: `${label} (profiled)`, url: proxy.url, path: request.path, body: request.body, proxy: proxy.party, upstreams: [model.party] })
    // The profile is written when the process exits normally: SIGTERM makes both proxies close and exit.
    const status = await proxy.party.stop(10_000)
    const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))
    if (files.length === 0) throw new Error(`${label}: no .cpuprofile written (exit: ${status})`)
    const file = join(dir, files[0])
    let kept
    if (ctx.opts.keepProfiles) {
      // For Chrome DevTools (Performance > Load profile) or speedscope.
      kept = join(RESULTS, `profile-${label}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`)
      copyFileSync(file, kept)
      ctx.log(`  kept ${kept}`)
    }
    return { row, summary: { ...summarizeProfileFile(file, TOP), file: kept } }
  } finally {
    await ctx.group.stopAll()
  }
}

export default {
  name: 'profile',
  description: 'CPU profile (node --cpu-prof) of the gateway and the bare proxy under load',
  inDefaultRun: false,
  async run (ctx) {
    const gateway = await profiled(ctx, 'gateway', (model, nodeArgs) =>
      startGateway(ctx, { models: { 'hit-predictor': { versions: { v1: { url: model.url, weight: 100 } } } }, nodeArgs }))
    const bare = await profiled(ctx, 'bare-proxy', (model, nodeArgs) => startBareProxy(ctx, { upstream: model.url, nodeArgs }))
    // Named features in through v1's transform, labels out, drift on: where the transform and drift costs go.
    const named = await profiled(ctx, 'gateway-named-drift', (model, nodeArgs) =>
      startGateway(ctx, { models: v1Models(model.url, { modelExtra: { drift: { reference: REFERENCE } } }), nodeArgs, check: REQUESTS.predictNamed }), REQUESTS.predictNamed)
    const sections = []
    for (const [label, p] of [['gateway', gateway], ['bare-proxy', bare], ['gateway-named-drift', named]]) {
      sections.push({ title: `${label}: top ${TOP} functions by self time (busy ${p.summary.busyMs} ms, idle ${p.summary.idleMs} ms)`, markdown: markdownTable(p.summary.top, TOP_COLUMNS) })
      sections.push({ title: `${label}: time by area (self, and inclusive: any of its frames on the stack)`, markdown: markdownTable(p.summary.areas.slice(0, 12), AREA_COLUMNS) })
      if (p.summary.headliner.length > 0) sections.push({ title: `${label}: Headliner functions by inclusive time`, markdown: markdownTable(p.summary.headliner, HEADLINER_COLUMNS) })
    }
    return {
      rows: [gateway.row, bare.row, named.row],
      sections,
      profiles: { gateway: gateway.summary, bareProxy: bare.summary, gatewayNamedDrift: named.summary },
      notes: ['Percentages are of the profiled process\'s busy time (idle excluded), over its whole life (start, warm-up, load).']
    }
  }
}

