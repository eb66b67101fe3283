import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { hitPredictorConfig, oipBody, SONG_ROW, startDemoVersions, startGateway, type TestGateway } from '../helpers/gateway.js'
import type { RunningModelServer } from '../../src/demo/model-server.js'

let models: RunningModelServer[]
let gw: TestGateway

beforeAll(async () => {
  models = await startDemoVersions(['v1', 'v2', 'v3'])
  const urls = { v1: models[0]!.url, v2: models[1]!.url, v3: models[2]!.url }
  gw = await startGateway(hitPredictorConfig(urls, { v1: { weight: 90 }, v2: { weight: 10 }, v3: { weight: 0, mirror: 100 } }))
})

afterAll(async () => {
  await gw.close()
  await Promise.all(models.map((m) => m.close()))
})

async function post (path: string, body: string, headers: Record<string, string> = {}) {
  const res = await request(gw.url + path, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } })
  const text = await res.body.text()
  return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> }
}

describe('OIP v2 inference through the gateway', () => {
  it('answers with 72 probabilities per row and says who answered and why', async () => {
    const res = await post('/v2/models/hit-predictor/infer', oipBody([SONG_ROW, SONG_ROW, SONG_ROW], 'req-42'))
    expect(res.status).toBe(200)
    expect(['v1', 'v2']).toContain(res.headers['x-headliner-version'])
    expect(res.headers['x-headliner-route']).toBe('weight')
    const body = res.json() as { id: string; outputs: { shape: number[]; data: number[] }[] }
    expect(body.id).toBe('req-42')
    expect(body.outputs[0]!.shape).toEqual([3, 72])
    expect(body.outputs[0]!.data).toHaveLength(216)
    const first = body.outputs[0]!.data.slice(0, 72).reduce((a, b) => a + b, 0)
    expect(Math.abs(first - 1)).toBeLessThan(1e-4)
  })

  it('pins a version by path, including the shadow', async () => {
    for (const v of ['v1', 'v2', 'v3']) {
      const res = await post(`/v2/models/hit-predictor/versions/${v}/infer`, oipBody())
      expect(res.status).toBe(200)
      expect(res.headers['x-headliner-version']).toBe(v)
      expect(res.headers['x-headliner-route']).toBe('pinned')
      expect((res.json() as { model_version: string }).model_version).toBe(v.slice(1))
    }
  })

  it('chooses by the version header', async () => {
    const res = await post('/v2/models/hit-predictor/infer', oipBody(), { 'x-headliner-version': 'v2' })
    expect(res.headers['x-headliner-version']).toBe('v2')
    expect(res.headers['x-headliner-route']).toBe('header')
  })

  it('keeps a sticky user on one version across calls', async () => {
    const seen = new Set<string>()
    for (let i = 0; i < 10; i++) {
      const res = await post('/v2/models/hit-predictor/infer', oipBody(), { 'x-user-id': 'alice' })
      expect(res.headers['x-headliner-route']).toBe('sticky')
      seen.add(String(res.headers['x-headliner-version']))
    }
    expect(seen.size).toBe(1)
  })

  it('routes KServe v1 :predict the same way', async () => {
    const res = await post('/v1/models/hit-predictor:predict', JSON.stringify({ instances: [SONG_ROW, SONG_ROW] }), { 'x-headliner-version': 'v1' })
    expect(res.status).toBe(200)
    expect(res.headers['x-headliner-version']).toBe('v1')
    const body = res.json() as { predictions: number[][] }
    expect(body.predictions).toHaveLength(2)
    expect(body.predictions[0]).toHaveLength(72)
  })

  it('accepts a body sent with no content-type at all', async () => {
    const res = await request(gw.url + '/v2/models/hit-predictor/infer', { method: 'POST', body: oipBody() })
    expect(res.statusCode).toBe(200)
    await res.body.dump()
  })

  it('accepts a body sent without a JSON content-type (curl -d)', async () => {
    const res = await request(gw.url + '/v2/models/hit-predictor/infer', { method: 'POST', body: oipBody(), headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    expect(res.statusCode).toBe(200)
    await res.body.dump()
  })
})

describe('errors', () => {
  it('404s an unknown model and an unknown version with a JSON error', async () => {
    const a = await post('/v2/models/nope/infer', oipBody())
    expect(a.status).toBe(404)
    expect(a.json()).toMatchObject({ error: 'unknown model "nope"', code: 'HEADLINER_ERR_UNKNOWN_MODEL' })
    const b = await post('/v2/models/hit-predictor/versions/v9/infer', oipBody())
    expect(b.status).toBe(404)
    expect(b.json().error).toBe('model "hit-predictor" has no version "v9"')
    const c = await post('/v2/models/hit-predictor/infer', oipBody(), { 'x-headliner-version': 'v9' })
    expect(c.status).toBe(404)
    const d = await post('/v1/models/hit-predictor:explain', '{}')
    expect(d.status).toBe(404)
  })

  it('404s unknown paths with JSON', async () => {
    const res = await request(gw.url + '/nowhere')
    expect(res.statusCode).toBe(404)
    expect(await res.body.json()).toMatchObject({ error: 'no route for GET /nowhere' })
  })

  it('echoes the OIP id in an error body', async () => {
    const res = await post('/v2/models/hit-predictor/infer', JSON.stringify({ id: 'abc', inputs: [] }))
    expect(res.status).toBe(400)
    expect(res.json()).toMatchObject({ id: 'abc', error: 'request: inputs: must not be empty' })
  })
})

describe('health and metadata', () => {
  it('is live and ready once every serving version answered ready', async () => {
    expect((await request(gw.url + '/v2/health/live')).statusCode).toBe(200)
    const ready = await request(gw.url + '/v2/health/ready')
    expect(ready.statusCode).toBe(200)
    expect(await ready.body.json()).toEqual({ ready: true })
  })

  it('describes the logical model with the upstream tensors', async () => {
    const res = await request(gw.url + '/v2/models/hit-predictor')
    const body = await res.body.json() as { name: string; versions: string[]; inputs: { shape: number[] }[]; outputs: { shape: number[] }[] }
    expect(body.name).toBe('hit-predictor')
    expect(body.versions).toEqual(['v1', 'v2', 'v3'])
    expect(body.inputs[0]!.shape).toEqual([-1, 12])
    expect(body.outputs[0]!.shape).toEqual([-1, 72])
    expect((await request(gw.url + '/v2/models/hit-predictor/ready')).statusCode).toBe(200)
    expect((await request(gw.url + '/v2/models/hit-predictor/versions/v2/ready')).statusCode).toBe(200)
    expect(await (await request(gw.url + '/v1/models/hit-predictor')).body.json()).toEqual({ name: 'hit-predictor', ready: true })
    expect((await request(gw.url + '/v2/models/nope/ready')).statusCode).toBe(404)
  })
})
