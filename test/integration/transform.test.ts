import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startGateway, type TestGateway, useDemoVersions } from '../helpers/gateway.js'

const ROOT = join(import.meta.dirname, '..', '..')
const spec = (v: string) => join(ROOT, 'models', 'hit-predictor', v, 'transform.yaml')
const SONG = { danceability: 0.71, energy: 0.8, key: 5, loudness: -5.2, mode: 1, speechiness: 0.05, acousticness: 0.1, instrumentalness: 0, liveness: 0.12, valence: 0.6, tempo: 118, duration_ms: 201000 }

const { models, closers } = useDemoVersions(['v1', 'v2', 'v3'])

async function predict (gw: TestGateway, body: unknown, headers: Record<string, string> = {}) {
  const res = await request(gw.url + '/v1/models/hit-predictor:predict', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } })
  return { status: res.statusCode, headers: res.headers, json: await res.body.json() as Record<string, unknown> }
}

async function start (versions: Record<string, Record<string, unknown>>) {
  const urls: Record<string, string> = { v1: models[0]!.url, v2: models[1]!.url, v3: models[2]!.url }
  const gw = await startGateway({
    schemaVersion: 1,
    models: { 'hit-predictor': { versions: Object.fromEntries(Object.entries(versions).map(([n, v]) => [n, { url: urls[n], ...v }])) } }
  })
  closers.push(() => gw.close())
  return gw
}

describe('named song features in, country names out', () => {
  let gw: TestGateway
  beforeAll(async () => {
    gw = await start({ v1: { weight: 50, transform: spec('v1') }, v2: { weight: 50, transform: spec('v2') } })
  })

  it('answers each instance with the top countries by name, sorted, and the full map', async () => {
    const res = await predict(gw, { instances: [SONG, { ...SONG, tempo: 170, energy: 0.95 }] }, { 'x-headliner-version': 'v2' })
    expect(res.status).toBe(200)
    expect(res.json.model).toBe('hit-predictor')
    expect(res.json.version).toBe('v2')
    const predictions = res.json.predictions as { top: { country: string; name: string; probability: number }[]; probabilities: Record<string, number> }[]
    expect(predictions).toHaveLength(2)
    for (const p of predictions) {
      expect(p.top).toHaveLength(5)
      expect(Object.keys(p.probabilities)).toHaveLength(72)
      for (let i = 1; i < p.top.length; i++) expect(p.top[i - 1]!.probability).toBeGreaterThanOrEqual(p.top[i]!.probability)
      expect(p.top[0]!.probability).toBe(p.probabilities[p.top[0]!.country])
      expect(p.top[0]!.name.length).toBeGreaterThan(2)
      const sum = Object.values(p.probabilities).reduce((a, b) => a + b, 0)
      expect(Math.abs(sum - 1)).toBeLessThan(1e-4)
    }
    expect(predictions[0]!.probabilities.SE).toBeTypeOf('number')
  })

  it('gives the same probabilities as the raw tensor call to the same version', async () => {
    const named = await predict(gw, { instances: [SONG] }, { 'x-headliner-version': 'v1' })
    const row = [SONG.danceability, SONG.energy, SONG.key, SONG.loudness, SONG.mode, SONG.speechiness, SONG.acousticness, SONG.instrumentalness, SONG.liveness, SONG.valence, SONG.tempo, SONG.duration_ms]
    const raw = await predict(gw, { instances: [row] }, { 'x-headliner-version': 'v1' })
    const probs = (raw.json.predictions as number[][])[0]!
    const labelled = (named.json.predictions as { probabilities: Record<string, number> }[])[0]!.probabilities
    // countries.json is sorted by code, and index i of the output is entry i
    const codes = Object.keys(labelled).sort()
    codes.forEach((code, i) => expect(labelled[code]).toBeCloseTo(probs[i]!, 6))
  })

  const bad: [string, unknown, RegExp][] = [
    ['a missing feature', { instances: [{ ...SONG, tempo: undefined }] }, /instances\[0\]\.tempo: (is )?required|instances\[0\]: missing feature "?tempo/],
    ['an unknown feature, with a suggestion', { instances: [{ ...SONG, temp: 1 }] }, /temp.*did you mean .?tempo/],
    ['a wrong type', { instances: [{ ...SONG, energy: 'high' }] }, /instances\[0\]\.energy: must be a number, got string/],
    ['out of range', { instances: [{ ...SONG, tempo: 512 }] }, /instances\[0\]\.tempo: must be <= 300, got 512/],
    ['a non-integer key', { instances: [{ ...SONG, key: 5.5 }] }, /instances\[0\]\.key: must be an integer/],
    ['too many instances', { instances: Array.from({ length: 1025 }, () => SONG) }, /instances: .*1024/]
  ]
  for (const [name, body, message] of bad) {
    it(`400 for ${name}, naming it`, async () => {
      const res = await predict(gw, body)
      expect(res.status).toBe(400)
      expect(String(res.json.error)).toMatch(message)
    })
  }

  it('400 for empty instances', async () => {
    expect((await predict(gw, { instances: [] })).json.error).toBe('request: instances: must not be empty')
  })

  it('times and counts the transform steps', async () => {
    const text = await (await request(gw.adminUrl + '/metrics')).body.text()
    expect(text).toMatch(/headliner_transform_duration_seconds_count\{model="hit-predictor",version="v\d",stage="pre"\} [1-9]/)
    expect(text).toMatch(/headliner_transform_duration_seconds_count\{model="hit-predictor",version="v\d",stage="post"\} [1-9]/)
    expect(text).toMatch(/headliner_transform_errors_total\{model="hit-predictor",version="v\d",stage="pre"\} [1-9]/)
  })
})

describe('a model that no longer matches its processing', () => {
  let gw: TestGateway
  beforeAll(async () => {
    // v3 was "updated 15 minutes later": new feature order, new input name. It is deployed with the
    // processing written for v2. The contract check must catch it.
    gw = await start({ v1: { weight: 60, transform: spec('v1') }, v3: { weight: 40, transform: spec('v2') } })
  })

  it('marks the version not ready with the reason, in metrics and health', async () => {
    const v3 = gw.app.runtime.model('hit-predictor')!.versions.get('v3')!
    expect(v3.readiness.ready).toBe(false)
    expect(v3.readiness.reason).toMatch(/input "song_features": upstream expects name "song_features_v3"/)
    const text = await (await request(gw.adminUrl + '/metrics')).body.text()
    expect(text).toContain('headliner_version_ready{model="hit-predictor",version="v3"} 0')
    expect(text).toContain('headliner_version_ready{model="hit-predictor",version="v1"} 1')
    // the gateway stays ready (v1 serves v3's share); the version's own readiness says why not
    const ready = await request(gw.url + '/v2/health/ready')
    expect(ready.statusCode).toBe(200)
    await ready.body.dump()
    const own = await request(gw.url + '/v2/models/hit-predictor/versions/v3/ready')
    expect(own.statusCode).toBe(400)
    expect(JSON.stringify(await own.body.json())).toContain('transform')
  })

  it('sends its share to the ready version, marked fallback, and never labels nonsense', async () => {
    const routes = new Map<string, number>()
    for (let i = 0; i < 60; i++) {
      const res = await predict(gw, { instances: [SONG] })
      expect(res.status).toBe(200)
      expect(res.headers['x-headliner-version']).toBe('v1')
      const route = String(res.headers['x-headliner-route'])
      routes.set(route, (routes.get(route) ?? 0) + 1)
    }
    // 40% of picks fall back: over 60 requests that is 24 +/- 3.8 (1 sd); accept 8..45.
    expect(routes.get('fallback') ?? 0).toBeGreaterThan(8)
    expect(routes.get('weight') ?? 0).toBeGreaterThan(15)
    const pinned = await predict(gw, { instances: [SONG] }, { 'x-headliner-version': 'v3' })
    expect(pinned.status).toBe(503)
    expect(String(pinned.json.error)).toBe('version "v3" of model "hit-predictor" is not ready (its transform does not match its upstream)')
  })

  it('serves v3 once it is deployed with its own processing', async () => {
    const ok = await start({ v1: { weight: 60, transform: spec('v1') }, v3: { weight: 40, transform: spec('v3') } })
    expect(ok.app.runtime.model('hit-predictor')!.versions.get('v3')!.readiness.ready).toBe(true)
    const res = await predict(ok, { instances: [SONG] }, { 'x-headliner-version': 'v3' })
    expect(res.status).toBe(200)
    const v1 = await predict(ok, { instances: [SONG] }, { 'x-headliner-version': 'v1' })
    // v3 is v2 retrained on its own feature order; with its own processing its top country agrees
    // with v1 on most songs (it is a retrain, not a copy), and here on this one:
    const top = (r: typeof res) => (r.json.predictions as { top: { country: string }[] }[])[0]!.top.map((t) => t.country)
    expect(top(res).slice(0, 5)).toEqual(expect.arrayContaining([top(v1)[0]]))
  })
})
