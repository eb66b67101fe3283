/**
 * The targets of the suite (bench/suite.js), by group. Every target names its baselines (`vs`): the
 * direct and bare-proxy rows for the same request size, and nginx with the same split (or nginx's
 * `mirror` for the shadow rows), so each row's ratios are taken within the same run.
 */
import { fileURLToPath } from 'node:url'
import { comparedFraction, shadowCounts } from '../shadow.js'
import { fetchText, sumOf } from './metrics-text.js'
import { startHaproxy, startNginx } from './native-proxies.js'
import { REQUESTS, startBareProxy, startGateway, startModelServer } from './parties.js'
import { freePort } from './procs.js'

const MODELS = fileURLToPath(new URL('../../models/hit-predictor/', import.meta.url))
const TRANSFORM = (version) => `${MODELS}${version}/transform.yaml`
const REFERENCE = `${MODELS}reference.json`
/** The slow shadow of the brief: 1.5 s per answer. */
export const SLOW_SHADOW_MS = 1500
const STICKY = { header: 'x-user-id', keys: 1000 }

const ONE_ROW = { direct: 'direct', bare: 'bare-proxy', nginx: 'nginx 90/10' }
const ONE_ROW_MIRROR = { direct: 'direct', bare: 'bare-proxy', nginx: 'nginx mirror' }
const BATCH = { direct: 'direct, 32 rows', bare: 'bare-proxy, 32 rows' }

/** Two model servers (v1, v2) for a 90/10 split. */
async function split (ctx) {
  const [a, b] = [await startModelServer(ctx, { version: 'v1' }), await startModelServer(ctx, { version: 'v2' })]
  return { a, b, servers: [{ url: a.url, weight: 90 }, { url: b.url, weight: 10 }], upstreams: [a.party, b.party] }
}

/** The gateway's /metrics after the load: requests counted, shadow copies and comparisons, drift. */
async function gatewayCounters (gw, { shadow = false } = {}) {
  const metrics = await fetchText(`${gw.adminUrl}/metrics`)
  const out = { primaryRequests: sumOf(metrics, 'headliner_requests_total', { role: 'primary' }) }
  if (shadow) Object.assign(out, { shadowCounts: shadowCounts(metrics) }, comparedFraction(metrics))
  const observations = sumOf(metrics, 'headliner_feature_observations_total')
  if (observations !== null) out.featureObservations = observations
  return out
}

function request (kind) {
  const r = REQUESTS[kind]
  return { path: r.path, body: r.body }
}

function direct (label, kind) {
  return {
    label, group: 'baseline', vs: kind === 'oip32' ? BATCH : ONE_ROW,
    async setup (ctx) {
      const model = await startModelServer(ctx, { version: 'v1' })
      return { url: model.url, upstreams: [model.party], ...request(kind) }
    }
  }
}

function bare (label, kind, { group = 'baseline', script } = {}) {
  return {
    label, group, vs: kind === 'oip32' ? BATCH : ONE_ROW,
    async setup (ctx) {
      const model = await startModelServer(ctx, { version: 'v1' })
      const proxy = await startBareProxy(ctx, { upstream: model.url, ...(script === undefined ? {} : { script }) })
      return { url: proxy.url, proxy: proxy.party, upstreams: [model.party], ...request(kind) }
    }
  }
}

/** A gateway target: `models(ctx)` starts the model servers and returns { models, upstreams }. */
function gateway (label, group, { vs = ONE_ROW, kind = 'oip', models, shadow = false, sticky }) {
  return {
    label, group, vs,
    async setup (ctx) {
      const m = await models(ctx)
      const gw = await startGateway(ctx, { models: m.models, check: REQUESTS[kind] })
      return {
        url: gw.url, proxy: gw.party, upstreams: m.upstreams, sticky, ...request(kind),
        collect: () => gatewayCounters(gw, { shadow })
      }
    }
  }
}

const hit = (versions, extra = {}) => ({ 'hit-predictor': { versions, ...extra } })

async function splitModels (ctx, { transform = false } = {}) {
  const s = await split(ctx)
  const t = (v) => (transform ? { transform: TRANSFORM(v) } : {})
  return { s, versions: { v1: { url: s.a.url, weight: 90, ...t('v1') }, v2: { url: s.b.url, weight: 10, ...t('v2') } } }
}

async function v1Only (ctx, { transform = false } = {}) {
  const a = await startModelServer(ctx, { version: 'v1' })
  return { a, versions: { v1: { url: a.url, weight: 100, ...(transform ? { transform: TRANSFORM('v1') } : {}) } } }
}

/** v1 at 100 % plus v3 as a shadow of every request: off, healthy, slow (1.5 s) or dead (nothing listens). */
function shadowTarget (label, health) {
  return gateway(label, 'shadow', {
    vs: ONE_ROW_MIRROR,
    shadow: health !== 'off',
    async models (ctx) {
      const { a, versions } = await v1Only(ctx)
      const upstreams = [a.party]
      if (health === 'off') {
        // the no-shadow reference of the isolation goal: the same v1, nothing mirrored
      } else if (health === 'dead') {
        versions.v3 = { url: `http://127.0.0.1:${await freePort()}`, weight: 0, mirror: 100 }
      } else {
        const s = await startModelServer(ctx, { version: 'v3', name: `shadow-${health}`, delayMs: health === 'slow' ? SLOW_SHADOW_MS : 0 })
        upstreams.push(s.party)
        versions.v3 = { url: s.url, weight: 0, mirror: 100 }
      }
      return { models: hit(versions), upstreams }
    }
  })
}

/** The groups of the suite; `baseline` runs in every run whatever `--only` says. */
export const GROUPS = {
  baseline: [direct('direct', 'oip'), bare('bare-proxy', 'oip')],
  passthrough: [
    // The floor of a Node proxy: node:http + one undici pool, nothing else (bench/lib/raw-proxy.js).
    bare('raw node:http + undici', 'oip', { group: 'passthrough', script: 'raw-proxy.js' }),
    {
      label: 'nginx 90/10', group: 'passthrough', vs: ONE_ROW, native: 'nginx',
      async setup (ctx) {
        const s = await split(ctx)
        const p = await startNginx(ctx, { servers: s.servers })
        return { url: p.url, proxy: p.party, upstreams: s.upstreams }
      }
    },
    {
      label: 'haproxy 90/10', group: 'passthrough', vs: ONE_ROW, native: 'haproxy',
      async setup (ctx) {
        const s = await split(ctx)
        const p = await startHaproxy(ctx, { servers: s.servers })
        return { url: p.url, proxy: p.party, upstreams: s.upstreams }
      }
    },
    gateway('gateway 90/10', 'passthrough', {
      async models (ctx) {
        const { s, versions } = await splitModels(ctx)
        return { models: hit(versions), upstreams: s.upstreams }
      }
    })
  ],
  sticky: [gateway('gateway 90/10 sticky', 'sticky', {
    sticky: STICKY,
    async models (ctx) {
      const { s, versions } = await splitModels(ctx)
      return { models: hit(versions, { sticky: { header: STICKY.header } }), upstreams: s.upstreams }
    }
  })],
  transform: [gateway('gateway named features', 'transform', {
    kind: 'predictNamed',
    async models (ctx) {
      const { a, versions } = await v1Only(ctx, { transform: true })
      return { models: hit(versions), upstreams: [a.party] }
    }
  })],
  drift: [gateway('gateway named + drift', 'drift', {
    kind: 'predictNamed',
    async models (ctx) {
      const { a, versions } = await v1Only(ctx, { transform: true })
      return { models: hit(versions, { drift: { reference: REFERENCE } }), upstreams: [a.party] }
    }
  })],
  shadow: [
    {
      label: 'nginx mirror', group: 'shadow', vs: ONE_ROW_MIRROR, native: 'nginx',
      async setup (ctx) {
        const [a, s] = [await startModelServer(ctx, { version: 'v1' }), await startModelServer(ctx, { version: 'v3', name: 'shadow-healthy' })]
        const p = await startNginx(ctx, { servers: [{ url: a.url, weight: 1 }], mirror: s.url })
        return { url: p.url, proxy: p.party, upstreams: [a.party, s.party] }
      }
    },
    shadowTarget('gateway shadow off', 'off'),
    shadowTarget('gateway shadow healthy', 'healthy'),
    shadowTarget(`gateway shadow slow (${SLOW_SHADOW_MS} ms)`, 'slow'),
    shadowTarget('gateway shadow dead', 'dead')
  ],
  everything: [gateway('gateway everything on', 'everything', {
    kind: 'predictNamed',
    shadow: true,
    sticky: STICKY,
    async models (ctx) {
      const { s, versions } = await splitModels(ctx, { transform: true })
      const shadow = await startModelServer(ctx, { version: 'v3', name: 'shadow-healthy' })
      versions.v3 = { url: shadow.url, weight: 0, mirror: 100, transform: TRANSFORM('v3') }
      return { models: hit(versions, { sticky: { header: STICKY.header }, drift: { reference: REFERENCE } }), upstreams: [...s.upstreams, shadow.party] }
    }
  })],
  batch: [
    direct('direct, 32 rows', 'oip32'),
    bare('bare-proxy, 32 rows', 'oip32'),
    gateway('gateway 90/10, 32 rows', 'batch', {
      vs: BATCH,
      kind: 'oip32',
      async models (ctx) {
        const { s, versions } = await splitModels(ctx)
        return { models: hit(versions), upstreams: s.upstreams }
      }
    }),
    gateway('gateway named features, 32 rows', 'batch', {
      vs: BATCH,
      kind: 'predictNamed32',
      async models (ctx) {
        const { a, versions } = await v1Only(ctx, { transform: true })
        return { models: hit(versions), upstreams: [a.party] }
      }
    })
  ]
}
