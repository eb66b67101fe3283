/**
 * Which versions a client can choose with the version header (models.<m>.headerRouting): serving
 * versions by default, shadows too with `all`, none with `off` (the header is then ignored).
 */
import { describe, expect, it } from 'vitest'
import { request } from 'undici'
import { hitPredictorConfig, oipBody, startGateway, type TestGateway, useDemoVersions } from '../helpers/gateway.js'

const { models, closers } = useDemoVersions(['v1', 'v2', 'v3'])

async function start (extra: Record<string, unknown>): Promise<TestGateway> {
  const urls = { v1: models[0]!.url, v2: models[1]!.url, v3: models[2]!.url }
  const gw = await startGateway(hitPredictorConfig(urls, { v1: { weight: 100 }, v2: { weight: 0 }, v3: { mirror: 100 } }, extra))
  closers.push(() => gw.close())
  return gw
}

async function choose (gw: TestGateway, version: string) {
  const res = await request(gw.url + '/v2/models/hit-predictor/infer', { method: 'POST', body: oipBody(), headers: { 'content-type': 'application/json', 'x-headliner-version': version } })
  const body = await res.body.json() as { code?: string }
  return { status: res.statusCode, version: res.headers['x-headliner-version'], route: res.headers['x-headliner-route'], code: body.code }
}

describe('header routing', () => {
  it('reaches serving versions (weight 0 included) but not a shadow by default', async () => {
    const gw = await start({})
    expect(await choose(gw, 'v2')).toMatchObject({ status: 200, version: 'v2', route: 'header' })
    // a shadow looks like a version the model does not have: the header does not reveal it
    expect(await choose(gw, 'v3')).toMatchObject({ status: 404, code: 'HEADLINER_ERR_UNKNOWN_VERSION' })
  })

  it('reaches shadows when the operator allows it', async () => {
    const gw = await start({ headerRouting: 'all' })
    expect(await choose(gw, 'v3')).toMatchObject({ status: 200, version: 'v3', route: 'header' })
  })

  it('is ignored when off: the request is routed by weight', async () => {
    const gw = await start({ headerRouting: 'off' })
    expect(await choose(gw, 'v2')).toMatchObject({ status: 200, version: 'v1', route: 'weight' })
    expect(await choose(gw, 'v3')).toMatchObject({ status: 200, version: 'v1', route: 'weight' })
  })
})
