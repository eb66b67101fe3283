/**
 * Scenario "transform" (issue 3): what do named features in and labelled countries out cost per
 * request? In one run, one demo model server (v1) and, on the same core layout:
 *   direct                 OIP v2 infer to the model server itself (the limit)
 *   gateway-oip            Headliner, v1 without a transform, OIP v2 infer (plain passthrough, the baseline)
 *   gateway-oip+transform  the same request with v1's transform configured (the OIP path must not pay for it)
 *   predict-arrays         KServe v1 `:predict` with an array instance: sent to the model's predict route raw
 *   predict-named          `:predict` with one named-feature instance through v1's transform:
 *                          pre (validate, order, build the OIP tensor), OIP upstream, post (labels, top 5)
 * The transform overhead is predict-named minus gateway-oip: proxy CPU per request and added p50/p99.
 * After each gateway target, headliner_transform_duration_seconds (sum / count, stage pre and post) is
 * read from /metrics: the mean time of the transform functions themselves, without the HTTP work.
 */
import { fileURLToPath } from 'node:url'
import { REQUESTS, checkInference, startGateway, startModelServer } from './lib/parties.js'
import { fetchText, histogramMeanUs } from './lib/metrics-text.js'
import { fmt, LOAD_COLUMNS, round } from './lib/report.js'
import { added, ratio, rowOf, runTargets } from './lib/targets.js'

/** v1's transform spec, beside the model version it serves (absolute: the config lives in a temp dir). */
export const V1_TRANSFORM = fileURLToPath(new URL('../models/hit-predictor/v1/transform.yaml', import.meta.url))

/** The models part of a gateway config: v1 at 100 %, with its transform or not, plus `modelExtra` (e.g. drift). */
export function v1Models (url, { transform = true, modelExtra = {} } = {}) {
  const v1 = { url, weight: 100, ...(transform ? { transform: V1_TRANSFORM } : {}) }
  return { 'hit-predictor': { versions: { v1 }, ...modelExtra } }
}

/** Mean pre and post time (us) the gateway recorded in headliner_transform_duration_seconds. */
export async function transformTimes (adminUrl) {
  const metrics = await fetchText(`${adminUrl}/metrics`)
  const name = 'headliner_transform_duration_seconds'
  return {
    transformPreUs: histogramMeanUs(metrics, name, { stage: 'pre' }),
    transformPostUs: histogramMeanUs(metrics, name, { stage: 'post' })
  }
}

function gatewayTarget (label, request, { transform }) {
  return {
    label,
    async setup (ctx) {
      const model = await startModelServer(ctx, { version: 'v1' })
      const gw = await startGateway(ctx, { models: v1Models(model.url, { transform }), check: request })
      return {
        url: gw.url,
        path: request.path,
        body: request.body,
        proxy: gw.party,
        upstreams: [model.party],
        // Read after the load; the counts include the warm-up and the readiness request.
        collect: () => transformTimes(gw.adminUrl)
      }
    }
  }
}

export const TARGETS = [
  {
    label: 'direct',
    async setup (ctx) {
      const model = await startModelServer(ctx, { version: 'v1' })
      await checkInference(model.url, REQUESTS.oip)
      return { url: model.url, path: REQUESTS.oip.path, body: REQUESTS.oip.body, upstreams: [model.party] }
    }
  },
  gatewayTarget('gateway-oip', REQUESTS.oip, { transform: false }),
  gatewayTarget('gateway-oip+transform', REQUESTS.oip, { transform: true }),
  gatewayTarget('predict-arrays', REQUESTS.predictArrays, { transform: true }),
  gatewayTarget('predict-named', REQUESTS.predictNamed, { transform: true })
]

const COLUMNS = [
  ...LOAD_COLUMNS,
  ['pre / post mean us', (r) => r.transformPreUs === undefined || r.transformPreUs === null ? '-' : `${fmt(r.transformPreUs, 1)} / ${fmt(r.transformPostUs, 1)}`]
]

/** The figures issue 3 asks for, from the (median) rows. */
export function transformFigures (rows) {
  const direct = rowOf(rows, 'direct')
  const base = rowOf(rows, 'gateway-oip')
  const named = rowOf(rows, 'predict-named')
  const figures = []
  for (const r of rows.filter((x) => x !== direct)) {
    figures.push(
      [`${r.target} RPS / direct RPS`, ratio(r.rps, direct.rps)],
      [`${r.target} RPS / gateway-oip RPS`, ratio(r.rps, base.rps)]
    )
  }
  figures.push(
    ['transform overhead: predict-named proxy CPU us/req - gateway-oip', round(named.proxyCpuUsPerReq - base.proxyCpuUsPerReq, 1)],
    ['transform overhead: added p50 (ms), predict-named vs gateway-oip', added(named.p50Ms, base.p50Ms)],
    ['transform overhead: added p99 (ms), predict-named vs gateway-oip', added(named.p99Ms, base.p99Ms)],
    ['transform configured, OIP path: proxy CPU us/req - gateway-oip', round(rowOf(rows, 'gateway-oip+transform').proxyCpuUsPerReq - base.proxyCpuUsPerReq, 1)],
    ['predict-arrays proxy CPU us/req - gateway-oip', round(rowOf(rows, 'predict-arrays').proxyCpuUsPerReq - base.proxyCpuUsPerReq, 1)],
    ['upstream CPU us/req: predict-arrays - gateway-oip (the model\'s v1 encoding)', round(rowOf(rows, 'predict-arrays').upstreamCpuUsPerReq - base.upstreamCpuUsPerReq, 1)],
    ['mean pre time (us, headliner_transform_duration_seconds)', round(named.transformPreUs, 1)],
    ['mean post time (us, headliner_transform_duration_seconds)', round(named.transformPostUs, 1)]
  )
  return figures
}

export default {
  name: 'transform',
  description: 'direct vs gateway OIP passthrough vs :predict arrays vs :predict named features through v1\'s transform',
  inDefaultRun: false,
  async run (ctx) {
    const rows = await runTargets(ctx, TARGETS)
    return {
      rows,
      columns: COLUMNS,
      figures: transformFigures(rows),
      notes: [
        'predict-named answers labelled JSON (top 5 countries with names, and the 72-entry map); the others answer 72 bare probabilities.',
        'Pre/post means are the gateway\'s own headliner_transform_duration_seconds (sum / count over warm-up and measured run): pre includes building the OIP request body, post includes parsing the model\'s answer and serialising the labelled one.'
      ]
    }
  }
}
