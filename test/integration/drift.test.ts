import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startDemoVersions, startGateway, type TestGateway } from '../helpers/gateway.js'
import { generateSong, mulberry32, songToRow } from '../../src/demo/songs.js'
import { requiredSamples } from '../../src/drift/monitor.js'
import type { RunningModelServer } from '../../src/demo/model-server.js'

const ROOT = join(import.meta.dirname, '..', '..')
const MODELS = join(ROOT, 'models', 'hit-predictor')
const TOKEN = 't'
let models: RunningModelServer[]
const gateways: TestGateway[] = []

beforeAll(async () => { models = await startDemoVersions(['v1']) })
afterAll(async () => {
  for (const g of gateways) await g.close()
  await Promise.all(models.map((m) => m.close()))
})

async function start (window: Record<string, unknown>): Promise<TestGateway> {
  const gw = await startGateway({
    schemaVersion: 1,
    models: {
      'hit-predictor': {
        versions: { v1: { url: models[0]!.url, weight: 100, transform: join(MODELS, 'v1', 'transform.yaml') } },
        drift: { reference: join(MODELS, 'reference.json'), window, minSamples: 200 }
      }
    }
  }, { adminToken: TOKEN })
  gateways.push(gw)
  return gw
}

/** Send `n` songs in batches of 20 named instances (drift observes each instance). */
async function send (gw: TestGateway, n: number, drift: number, seed: number): Promise<void> {
  const random = mulberry32(seed)
  for (let sent = 0; sent < n; sent += 20) {
    const instances = Array.from({ length: Math.min(20, n - sent) }, () => generateSong(random, drift))
    const res = await request(gw.url + '/v1/models/hit-predictor:predict', { method: 'POST', body: JSON.stringify({ instances }), headers: { 'content-type': 'application/json' } })
    expect(res.statusCode).toBe(200)
    await res.body.dump()
  }
}

async function status (gw: TestGateway) {
  const res = await request(gw.adminUrl + '/admin/models/hit-predictor/drift', { headers: { authorization: `Bearer ${TOKEN}` } })
  expect(res.statusCode).toBe(200)
  return await res.body.json() as { verdict: string; thresholds: Record<string, number>; features: { feature: string; psi: number | null; js: number | null; samples: number; verdict: string }[] }
}

const scrape = async (gw: TestGateway) => (await request(gw.adminUrl + '/metrics')).body.text()

describe('requiredSamples', () => {
  it('keeps the configured minimum and adds a noise floor from the bins and the JS threshold', () => {
    expect(requiredSamples({ minSamples: 200, js: 0.1 }, 2)).toBe(200)
    expect(requiredSamples({ minSamples: 200, js: 0.1 }, 10)).toBe(650)
    expect(requiredSamples({ minSamples: 200, js: 0.1 }, 72)).toBe(5122)
    expect(requiredSamples({ minSamples: 10_000, js: 0.1 }, 72)).toBe(10_000)
  })
})

describe('drift on low traffic', () => {
  it('says insufficient_data and exports no drift gauge, but counts every observation', async () => {
    const gw = await start({ kind: 'count', size: 2000 })
    await send(gw, 100, 1, 5)
    const s = await status(gw)
    expect(s.verdict).toBe('insufficient_data')
    expect(s.features.every((f) => f.verdict === 'insufficient_data' && f.psi === null)).toBe(true)
    const text = await scrape(gw)
    expect(text).not.toMatch(/^headliner_feature_drift_psi\{/m)
    const tempo = [...text.matchAll(/^headliner_feature_observations_total\{model="hit-predictor",feature="tempo",bin="\d+"\} (\d+)/gm)].map((m) => Number(m[1]))
    expect(tempo).toHaveLength(10)
    expect(tempo.reduce((a, b) => a + b, 0)).toBe(100)
    expect(text).toMatch(/headliner_feature_reference_ratio\{model="hit-predictor",feature="tempo",bin="00"\} 0\.1/)
  })
})

describe('drift on real traffic', () => {
  let gw: TestGateway
  beforeAll(async () => { gw = await start({ kind: 'count', size: 1000 }) })

  it('stays ok on songs like the training set', async () => {
    await send(gw, 1000, 0, 11)
    const s = await status(gw)
    for (const f of s.features) {
      expect(f.samples).toBe(1000)
      // PSI sampling noise at n = 1000 over 10 bins is about 9/1000; 0.1 is the warn threshold.
      expect(f.psi!).toBeLessThan(0.1)
      expect(f.verdict).toBe('ok')
    }
    expect(await scrape(gw)).toMatch(/headliner_feature_drift_psi\{model="hit-predictor",feature="tempo"\} 0\.0/)
  })

  it('rises past the alert threshold within one window of drifted songs', async () => {
    await send(gw, 1000, 0.5, 12)
    const s = await status(gw)
    const byName = Object.fromEntries(s.features.map((f) => [f.feature, f]))
    expect(byName.tempo!.psi!).toBeGreaterThan(0.25)
    expect(byName.tempo!.verdict).toBe('alert')
    expect(s.verdict).toBe('alert')
    const text = await scrape(gw)
    const psiTempo = Number(/headliner_feature_drift_psi\{model="hit-predictor",feature="tempo"\} ([\d.e-]+)/.exec(text)![1])
    expect(psiTempo).toBeCloseTo(byName.tempo!.psi!, 10)
    expect(s.thresholds).toMatchObject({ psiWarn: 0.1, psiAlert: 0.25, js: 0.1, minSamples: 200 })
  })

  it('counts the predicted top-1 countries per version', async () => {
    const text = await scrape(gw)
    const counts = [...text.matchAll(/^headliner_prediction_class_total\{model="hit-predictor",version="v1",class="[A-Z]{2}"\} (\d+)/gm)].map((m) => Number(m[1]))
    expect(counts.reduce((a, b) => a + b, 0)).toBe(2000)
    expect(text).toMatch(/headliner_prediction_reference_ratio\{model="hit-predictor",class="SE"\} /)
  })
})

describe('GET /status', () => {
  it('shows the drift verdict with its worst features, behind the admin token', async () => {
    const gw = gateways[1]!
    const res = await request(gw.adminUrl + '/status', { headers: { authorization: `Bearer ${TOKEN}` } })
    expect(res.statusCode).toBe(200)
    const body = await res.body.json() as { verdict: string; models: { model: string; verdict: string; reasons: string[]; drift: { verdict: string; worst: { name: string; psi?: number }[] } }[] }
    expect(body.verdict).toBe('degraded')
    expect(body.models[0]!.drift.verdict).toBe('alert')
    expect(body.models[0]!.drift.worst.map((f) => f.name)).toContain('tempo')
    // the effective floor, not just minSamples: 10 bins need 650 samples, 72 classes 5,122
    const drift = await status(gw) as unknown as { features: { feature: string; requiredSamples: number }[]; predictions: { requiredSamples: number }[] }
    expect(drift.features.find((f) => f.feature === 'tempo')?.requiredSamples).toBe(650)
    expect(drift.predictions[0]?.requiredSamples).toBe(5122)
    expect(body.models[0]!.reasons.join(' ')).toMatch(/drift alert on .*tempo \(PSI \d/)
    expect((await request(gw.adminUrl + '/status')).statusCode).toBe(401)
  })
})

describe('drift from OIP v2 tensors, without a transform', () => {
  it('maps tensor columns to the reference profile\'s features and sees the drift', async () => {
    const gw = await startGateway({
      schemaVersion: 1,
      models: {
        'hit-predictor': {
          versions: { v1: { url: models[0]!.url, weight: 100 } },
          drift: { reference: join(MODELS, 'reference.json'), window: { kind: 'count', size: 1000 } }
        }
      }
    }, { adminToken: TOKEN })
    gateways.push(gw)
    const random = mulberry32(21)
    for (let sent = 0; sent < 1000; sent += 50) {
      const rows = Array.from({ length: 50 }, () => songToRow(generateSong(random, 0.5)))
      const body = JSON.stringify({ inputs: [{ name: 'song_features', shape: [50, 12], datatype: 'FP32', data: rows.flat() }] })
      const res = await request(gw.url + '/v2/models/hit-predictor/infer', { method: 'POST', body })
      expect(res.statusCode).toBe(200)
      await res.body.dump()
    }
    const s = await status(gw)
    const tempo = s.features.find((f) => f.feature === 'tempo')!
    expect(tempo.samples).toBe(1000)
    expect(tempo.psi!).toBeGreaterThan(0.25)
    // the profile's key column sits where the canonical order puts it: an undrifted feature stays ok
    expect(s.features.find((f) => f.feature === 'key')!.verdict).toBe('ok')
  })
})
