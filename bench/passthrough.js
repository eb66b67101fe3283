/**
 * Scenario "passthrough": what does the gateway cost on the plain path? In one run, the same OIP
 * request at 32 connections against
 *   direct        the demo model server itself (the limit)
 *   bare-proxy    fastify 5 + @fastify/http-proxy with defaults (the bar of DESIGN.md section 10)
 *   gateway       Headliner, one version at 100 %, pino at info (the default)
 *   gateway-90/10 Headliner, 90/10 weighted split over two model servers
 *   gateway-warn  Headliner, one version, HEADLINER_LOG_LEVEL=warn (no per-request log line)
 *   gateway-baseline  with --baseline <dir>: the gateway of another built checkout, as "gateway"
 *                     (an A/B of a change in the same run, against the same baselines)
 */
import { resolve } from 'node:path'
import { startBareProxy, startGateway, startModelServer } from './lib/parties.js'
import { added, ratio, rowOf, runTargets } from './lib/targets.js'

const oneVersion = (url) => ({ 'hit-predictor': { versions: { v1: { url, weight: 100 } } } })

export const TARGETS = [
  {
    label: 'direct',
    async setup (ctx) {
      const model = await startModelServer(ctx, { version: 'v1' })
      return { url: model.url, upstreams: [model.party] }
    }
  },
  {
    label: 'bare-proxy',
    async setup (ctx) {
      const model = await startModelServer(ctx, { version: 'v1' })
      const proxy = await startBareProxy(ctx, { upstream: model.url })
      return { url: proxy.url, proxy: proxy.party, upstreams: [model.party] }
    }
  },
  {
    label: 'gateway',
    async setup (ctx) {
      const model = await startModelServer(ctx, { version: 'v1' })
      const gw = await startGateway(ctx, { models: oneVersion(model.url) })
      return { url: gw.url, proxy: gw.party, upstreams: [model.party] }
    }
  },
  {
    label: 'gateway-90/10',
    async setup (ctx) {
      const [a, b] = [await startModelServer(ctx, { version: 'v1' }), await startModelServer(ctx, { version: 'v2' })]
      const gw = await startGateway(ctx, {
        models: { 'hit-predictor': { versions: { v1: { url: a.url, weight: 90 }, v2: { url: b.url, weight: 10 } } } }
      })
      return { url: gw.url, proxy: gw.party, upstreams: [a.party, b.party] }
    }
  },
  {
    label: 'gateway-warn',
    async setup (ctx) {
      const model = await startModelServer(ctx, { version: 'v1' })
      const gw = await startGateway(ctx, { models: oneVersion(model.url), logLevel: 'warn' })
      return { url: gw.url, proxy: gw.party, upstreams: [model.party] }
    }
  }
]

/** The ratios the project tracks, from the (median) rows. */
export function passthroughFigures (rows) {
  const direct = rowOf(rows, 'direct')
  const bare = rowOf(rows, 'bare-proxy')
  const figures = []
  for (const label of ['gateway', 'gateway-90/10', 'gateway-warn']) {
    const gw = rowOf(rows, label)
    figures.push(
      [`${label} RPS / direct RPS`, ratio(gw.rps, direct.rps)],
      [`${label} RPS / bare-proxy RPS`, ratio(gw.rps, bare.rps)],
      [`${label} added p50 vs direct (ms)`, added(gw.p50Ms, direct.p50Ms)],
      [`${label} added p99 vs direct (ms)`, added(gw.p99Ms, direct.p99Ms)],
      [`${label} CPU per request / bare-proxy's`, ratio(gw.proxyCpuUsPerReq, bare.proxyCpuUsPerReq)]
    )
  }
  figures.push(
    ['bare-proxy RPS / direct RPS', ratio(bare.rps, direct.rps)],
    ['bare-proxy added p50 vs direct (ms)', added(bare.p50Ms, direct.p50Ms)],
    ['bare-proxy added p99 vs direct (ms)', added(bare.p99Ms, direct.p99Ms)],
    ['logging cost: gateway (info) CPU us/req - gateway-warn', added(rowOf(rows, 'gateway').proxyCpuUsPerReq, rowOf(rows, 'gateway-warn').proxyCpuUsPerReq)]
  )
  return figures
}

/** The `gateway` target run from another checkout (`--baseline <dir>`, built with `npm run build`). */
export function baselineTarget (root) {
  return {
    label: 'gateway-baseline',
    async setup (ctx) {
      const model = await startModelServer(ctx, { version: 'v1' })
      const gw = await startGateway(ctx, { models: oneVersion(model.url), name: 'gateway-baseline', root })
      return { url: gw.url, proxy: gw.party, upstreams: [model.party] }
    }
  }
}

export default {
  name: 'passthrough',
  description: 'direct vs bare fastify proxy vs Headliner (100 %, 90/10 split, log level warn)',
  inDefaultRun: false,
  async run (ctx) {
    const targets = ctx.opts.baseline === undefined ? TARGETS : [...TARGETS, baselineTarget(resolve(ctx.opts.baseline))]
    const rows = await runTargets(ctx, targets)
    const figures = passthroughFigures(rows)
    if (ctx.opts.baseline !== undefined) {
      const [gw, base] = [rowOf(rows, 'gateway'), rowOf(rows, 'gateway-baseline')]
      figures.push(
        ['gateway RPS / gateway-baseline RPS', ratio(gw.rps, base.rps)],
        ['gateway CPU us/req - gateway-baseline', added(gw.proxyCpuUsPerReq, base.proxyCpuUsPerReq)],
        ['gateway-baseline RPS / bare-proxy RPS', ratio(base.rps, rowOf(rows, 'bare-proxy').rps)]
      )
    }
    return {
      rows,
      figures,
      notes: ['Gateway stdout (pino) goes to /dev/null; "gateway" and "gateway-90/10" log at info (one line per request), "gateway-warn" does not.']
    }
  }
}
