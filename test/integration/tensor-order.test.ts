/**
 * Raw tensors are in the model's feature order; a version whose transform declares another order
 * gets them re-ordered by feature name, primary and shadow alike. Real demo model servers and a real
 * gateway on port 0, the default demo's config.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { demoConfig } from '../../src/cli/demo.js'
import { fileURLToPath } from 'node:url'
import { MODELS_DIR } from '../../src/cli/demo.js'
import { FEATURES, V3_FEATURE_ORDER } from '../../src/demo/features.js'
import { generateSong, mulberry32, songToRow, type Song } from '../../src/demo/songs.js'
import type { RunningModelServer } from '../../src/demo/model-server.js'
import { oipBody, startDemoVersions, startGateway, type TestGateway } from '../helpers/gateway.js'
import { until } from '../helpers/wait.js'

const TOKEN = 'test-admin-token'
const SONGS = 1000

interface PairSummary { primary: string; total: number; counts: Record<string, number> }

async function v3Pairs (gw: TestGateway): Promise<PairSummary[]> {
  const res = await request(`${gw.adminUrl}/admin/models/hit-predictor/shadow`, { headers: { authorization: `Bearer ${TOKEN}` } })
  const body = await res.body.json() as { shadows: { version: string; pairs: PairSummary[] }[] }
  return body.shadows.find((s) => s.version === 'v3')?.pairs ?? []
}

/** agree and disagree of v3 against every primary, summed. */
async function v3Counts (gw: TestGateway): Promise<{ agree: number; disagree: number; total: number }> {
  const pairs = await v3Pairs(gw)
  const sum = (f: (p: PairSummary) => number) => pairs.reduce((s, p) => s + f(p), 0)
  return { agree: sum((p) => p.counts.agree ?? 0), disagree: sum((p) => p.counts.disagree ?? 0), total: sum((p) => p.total) }
}

function named (song: Song): string {
  return JSON.stringify({ instances: [Object.fromEntries(FEATURES.map((f, i) => [f, songToRow(song)[i]]))] })
}

describe('the default demo: v3 (another feature order) compared on raw tensors', () => {
  let models: RunningModelServer[]
  let gw: TestGateway
  const songs: Song[] = []

  beforeAll(async () => {
    models = await startDemoVersions(['v1', 'v2', 'v3'])
    const config = demoConfig({ host: '127.0.0.1', port: 0, adminPort: 0, modelPort: 0, scenario: 'default' }, { v1: models[0]!.url, v2: models[1]!.url, v3: models[2]!.url })
    gw = await startGateway(config, { adminToken: TOKEN, random: mulberry32(7) })
    const random = mulberry32(2026)
    for (let i = 0; i < SONGS; i++) songs.push(generateSong(random))
  })

  afterAll(async () => {
    await gw?.close()
    for (const m of models ?? []) await m.close()
  })

  /** Send every song (one per request, sticky by song so each song meets the same primary), wait for v3's comparisons. */
  async function send (path: string, body: (song: Song) => string, n = SONGS): Promise<{ agree: number; disagree: number }> {
    const before = await v3Counts(gw)
    for (let i = 0; i < n; i++) {
      const res = await request(gw.url + path, { method: 'POST', body: body(songs[i]!), headers: { 'content-type': 'application/json', 'x-user-id': `song-${i}` } })
      await res.body.text()
      expect(res.statusCode).toBe(200)
    }
    await until(async () => (await v3Counts(gw)).total - before.total === n, 60_000)
    const after = await v3Counts(gw)
    return { agree: after.agree - before.agree, disagree: after.disagree - before.disagree }
  }

  it('agrees on tensor traffic as on the same songs sent as named features (~89 %)', async () => {
    const tensor = await send('/v2/models/hit-predictor/infer', (song) => oipBody([songToRow(song)]))
    const byName = await send('/v1/models/hit-predictor:predict', named)
    const rate = (c: { agree: number; disagree: number }) => c.agree / (c.agree + c.disagree)
    // Every song is decided on both paths, and re-ordering by name gives v3 the very numbers its own
    // transform builds from named features: the two rates are equal up to float32 rounding at a
    // top-1 tie (tolerance 1 point). Over 1,000 seeded songs the demo models agree ~89 %; the
    // standard error is ~1 point, so [0.84, 0.94] is about 5 standard errors wide.
    expect(tensor.agree + tensor.disagree).toBe(SONGS)
    expect(byName.agree + byName.disagree).toBe(SONGS)
    expect(Math.abs(rate(tensor) - rate(byName))).toBeLessThanOrEqual(0.01)
    expect(rate(tensor)).toBeGreaterThan(0.84)
    expect(rate(tensor)).toBeLessThan(0.94)
  }, 240_000)

  it('re-orders KServe v1 number-array instances for the v3 shadow too', async () => {
    const rows = await send('/v1/models/hit-predictor:predict', (song) => JSON.stringify({ instances: [songToRow(song)] }), 300)
    // the same songs as above (the first 300): ~89 % again, > 0.75 is about 6 standard errors below
    // it; the column mix-up gave ~1.4 %
    expect(rows.agree / (rows.agree + rows.disagree)).toBeGreaterThan(0.75)
  }, 120_000)
})

describe('a primary whose transform declares another order than the model\'s', () => {
  let models: RunningModelServer[]
  let gw: TestGateway
  const row = songToRow(generateSong(mulberry32(5)))

  beforeAll(async () => {
    models = await startDemoVersions(['v1', 'v3'])
    gw = await startGateway({
      schemaVersion: 1,
      models: {
        'hit-predictor': {
          features: [...FEATURES],
          versions: {
            v3: { url: models[1]!.url, weight: 100, transform: `${MODELS_DIR}v3/transform.yaml` },
            // the same columns as v3's spec, but "tempo" is called "bpm": not the model's names
            renamed: { url: models[1]!.url, weight: 0, mirror: 100, transform: fileURLToPath(new URL('../fixtures/transforms/order/v3-renamed-tempo.yaml', import.meta.url)) }
          }
        }
      }
    }, { adminToken: TOKEN })
  })

  afterAll(async () => {
    await gw?.close()
    for (const m of models ?? []) await m.close()
  })

  /** What v3's own server answers for the row in v3's order, called directly. */
  async function direct (): Promise<unknown> {
    const res = await request(`${models[1]!.url}/v2/models/hit-predictor/infer`, { method: 'POST', body: JSON.stringify({ inputs: [{ name: 'song_features_v3', shape: [1, 12], datatype: 'FP32', data: V3_FEATURE_ORDER.map((f) => row[FEATURES.indexOf(f)]) }] }) })
    return (await res.body.json() as { outputs: unknown }).outputs
  }

  it('re-orders an OIP tensor in the model\'s order into v3\'s order', async () => {
    const res = await request(`${gw.url}/v2/models/hit-predictor/infer`, { method: 'POST', body: oipBody([row]) })
    expect(res.statusCode).toBe(200)
    expect((await res.body.json() as { outputs: unknown }).outputs).toEqual(await direct())
  })

  it('re-orders KServe v1 number-array instances too', async () => {
    const res = await request(`${gw.url}/v1/models/hit-predictor:predict`, { method: 'POST', body: JSON.stringify({ instances: [row] }) })
    expect(res.statusCode).toBe(200)
    const outputs = await direct() as { data: number[] }[]
    expect((await res.body.json() as { predictions: number[][] }).predictions[0]).toEqual(outputs[0]!.data)
  })

  it('refuses with a 400 a tensor whose width is not the model\'s order\'s', async () => {
    const res = await request(`${gw.url}/v2/models/hit-predictor/infer`, { method: 'POST', body: JSON.stringify({ inputs: [{ name: 'song_features', shape: [1, 11], datatype: 'FP32', data: row.slice(0, 11) }] }) })
    expect(res.statusCode).toBe(400)
    expect(await res.body.json()).toMatchObject({ code: expect.stringMatching(/^HEADLINER_ERR_/) })
  })

  it('counts a shadow whose spec names other features as incomparable, with the reason, instead of comparing garbage', async () => {
    const before = (await v3LikePairs(gw, 'renamed'))[0]?.counts.incomparable ?? 0
    const res = await request(`${gw.url}/v2/models/hit-predictor/infer`, { method: 'POST', body: oipBody([row]) })
    expect(res.statusCode).toBe(200)
    await res.body.text()
    await until(async () => ((await v3LikePairs(gw, 'renamed'))[0]?.counts.incomparable ?? 0) === before + 1)
    const summary = await (await request(`${gw.adminUrl}/admin/models/hit-predictor/shadow`, { headers: { authorization: `Bearer ${TOKEN}` } })).body.json()
    expect(summary).toMatchObject({ featureOrder: { features: FEATURES, from: 'config' } })
    const [pair] = await v3LikePairs(gw, 'renamed')
    expect((pair!.counts.agree ?? 0) + (pair!.counts.disagree ?? 0)).toBe(0)
    expect(pair!.incomparableReason).toMatch(/version "renamed"'s transform has feature "bpm", which the model's order .* does not name/)
    const metrics = await (await request(`${gw.adminUrl}/metrics`)).body.text()
    expect(metrics).toMatch(/headliner_shadow_comparisons_total\{model="hit-predictor",primary="v3",shadow="renamed",outcome="incomparable"\} [1-9]/)
  })
})

async function v3LikePairs (gw: TestGateway, shadow: string): Promise<(PairSummary & { incomparableReason: string | null })[]> {
  const res = await request(`${gw.adminUrl}/admin/models/hit-predictor/shadow`, { headers: { authorization: `Bearer ${TOKEN}` } })
  const body = await res.body.json() as { shadows: { version: string; pairs: (PairSummary & { incomparableReason: string | null })[] }[] }
  return body.shadows.find((s) => s.version === shadow)?.pairs ?? []
}
