/**
 * Gateway readiness (/v2/health/ready) as a Kubernetes readiness probe sees it: ready while every
 * model has a ready serving version to fall back to, even with one bad canary; not ready (503) when
 * some model has none. Per-model and per-version readiness stay on their own routes.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { deadPort, startDemoVersions, startGateway, type TestGateway } from '../helpers/gateway.js'
import type { RunningModelServer } from '../../src/demo/model-server.js'

const spec = (v: string) => join(import.meta.dirname, '..', '..', 'models', 'hit-predictor', v, 'transform.yaml')

let models: RunningModelServer[]
const gateways: TestGateway[] = []

beforeAll(async () => {
  models = await startDemoVersions(['v1', 'v3'])
})
afterAll(async () => {
  for (const gw of gateways) await gw.close()
  await Promise.all(models.map((m) => m.close()))
})

async function get (gw: TestGateway, path: string) {
  const res = await request(gw.url + path)
  return { status: res.statusCode, json: await res.body.json() as Record<string, unknown> }
}

describe('gateway readiness', () => {
  it('is ready with a stale canary (v3 deployed with v2\'s processing): routing falls back', async () => {
    const gw = await startGateway({
      schemaVersion: 1,
      models: { 'hit-predictor': { versions: { v1: { url: models[0]!.url, weight: 80 }, v3: { url: models[1]!.url, weight: 20, transform: spec('v2') } } } }
    })
    gateways.push(gw)
    expect(gw.app.runtime.model('hit-predictor')!.versions.get('v3')!.readiness.ready).toBe(false)
    expect(await get(gw, '/v2/health/ready')).toMatchObject({ status: 200, json: { ready: true } })
    // the canary's own readiness still says no, with its reason
    const v3 = await get(gw, '/v2/models/hit-predictor/versions/v3/ready')
    expect(v3.status).toBe(400)
    expect(v3.json.ready).toBe(false)
    expect(await get(gw, '/v2/models/hit-predictor/ready')).toMatchObject({ status: 200, json: { ready: true } })
  })

  it('is not ready (503, with reasons) when a model has no ready serving version', async () => {
    const dead = `http://127.0.0.1:${await deadPort()}`
    const gw = await startGateway({
      schemaVersion: 1,
      models: {
        'hit-predictor': { versions: { v1: { url: models[0]!.url, weight: 100 } } },
        churn: { versions: { a: { url: dead, weight: 60 }, b: { url: dead, weight: 40 } } }
      }
    })
    gateways.push(gw)
    const res = await get(gw, '/v2/health/ready')
    expect(res.status).toBe(503)
    expect(res.json.ready).toBe(false)
    expect(res.json.reasons).toEqual(['churn: no ready serving version'])
    expect(JSON.stringify(res.json)).not.toContain('127.0.0.1')
    expect((await get(gw, '/v2/models/hit-predictor/ready')).status).toBe(200)
    expect((await get(gw, '/v2/models/churn/ready')).status).toBe(400)
  })
})
