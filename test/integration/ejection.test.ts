/**
 * Passive outlier ejection, retries and invalid predictions through a real gateway in front of real
 * upstreams: a failing version leaves rotation and comes back after a good probe, a call that never
 * reached its upstream is retried on another version, and a 200 that is not a probability
 * distribution is a 502 that feeds ejection, never a labelled answer.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { request } from 'undici'
import { metricValue, oipBody, startGateway, useDemoVersions, type TestGateway } from '../helpers/gateway.js'
import { startFaultyUpstream, startSkewingProxy } from '../helpers/fault-server.js'
import { until } from '../helpers/wait.js'
import { mulberry32 } from '../../src/demo/songs.js'

const { models: demo, closers } = useDemoVersions(['v1'])

async function gateway (versions: Record<string, Record<string, unknown>>, extra: Record<string, unknown> = {}, probe = { intervalMs: 60_000, timeoutMs: 1000 }): Promise<TestGateway> {
  const gw = await startGateway({ schemaVersion: 1, models: { 'hit-predictor': { ...extra, versions } } }, { random: mulberry32(7), probe })
  closers.push(() => gw.close())
  return gw
}

async function infer (gw: TestGateway, path = '/v2/models/hit-predictor/infer', body = oipBody()) {
  const res = await request(gw.url + path, { method: 'POST', body, headers: { 'content-type': 'application/json' } })
  return { status: res.statusCode, version: res.headers['x-headliner-version'], route: res.headers['x-headliner-route'], json: await res.body.json() as Record<string, unknown> }
}

const metric = metricValue

const ejectedGauge = (v: string) => new RegExp(`^headliner_version_ejected\\{model="hit-predictor",version="${v}"\\}`)

describe('passive outlier ejection', () => {
  it('ejects a version after 5 consecutive 5xx: its share falls back, then it returns after its time and a good probe', async () => {
    const bad = await startFaultyUpstream('status500')
    closers.push(() => bad.close())
    const gw = await gateway({ v1: { url: demo[0]!.url, weight: 50 }, v2: { url: bad.url, weight: 50 } }, { outlier: { baseEjectionMs: 1500 } }, { intervalMs: 200, timeoutMs: 1000 })
    const first = []
    for (let i = 0; i < 40 && bad.hits() < 5; i++) first.push(await infer(gw))
    expect(bad.hits()).toBe(5)
    expect(first.filter((r) => r.status === 500)).toHaveLength(5)
    expect(await metric(gw, ejectedGauge('v2'))).toBe(1)
    // ejected: every request is served by v1, v2's share marked fallback
    const during = await Promise.all(Array.from({ length: 20 }, () => infer(gw)))
    expect(during.every((r) => r.status === 200 && r.version === 'v1')).toBe(true)
    expect(during.some((r) => r.route === 'fallback')).toBe(true)
    expect(bad.hits()).toBe(5)
    // after 1.5 s a good probe brings it back
    await until(async () => await metric(gw, ejectedGauge('v2')) === 0, 10_000)
    await until(async () => { await infer(gw); return bad.hits() > 5 }, 10_000)
  })

  it('never ejects the last ready serving version', async () => {
    const bad = await startFaultyUpstream('status500')
    closers.push(() => bad.close())
    const gw = await gateway({ v1: { url: bad.url, weight: 100 } })
    const all = []
    for (let i = 0; i < 12; i++) all.push(await infer(gw))
    expect(all.every((r) => r.status === 500)).toBe(true)
    expect(bad.hits()).toBe(12)
    expect(await metric(gw, ejectedGauge('v1'))).toBe(0)
  })
})

describe('retries', () => {
  it('retries a call whose connection was refused on another ready version', async () => {
    const gone = await startFaultyUpstream('status500')
    const gw = await gateway({ v1: { url: demo[0]!.url, weight: 50 }, v2: { url: gone.url, weight: 50 } })
    await gone.close() // probed ready, now refusing connections
    const all = await Promise.all(Array.from({ length: 20 }, () => infer(gw)))
    expect(all.map((r) => r.status)).toEqual(Array(20).fill(200))
    expect(all.every((r) => r.version === 'v1')).toBe(true)
    expect(await metric(gw, /^headliner_retries_total\{model="hit-predictor",version="v2",reason="connect"\}/)).toBeGreaterThanOrEqual(1)
    expect(await metric(gw, /^headliner_upstream_errors_total\{model="hit-predictor",version="v2",kind="connect"\}/)).toBeGreaterThanOrEqual(1)
  })

  it('retries a 5xx only when the model is declared idempotent', async () => {
    const bad = await startFaultyUpstream('status500')
    closers.push(() => bad.close())
    const gw = await gateway({ v1: { url: demo[0]!.url, weight: 50 }, v2: { url: bad.url, weight: 50 } }, { idempotent: true, outlier: { failures: 1000 } })
    const all = []
    for (let i = 0; i < 20; i++) all.push(await infer(gw))
    expect(bad.hits()).toBeGreaterThan(0)
    expect(all.map((r) => r.status)).toEqual(Array(20).fill(200))
    expect(await metric(gw, /^headliner_retries_total\{model="hit-predictor",version="v2",reason="status"\}/)).toBe(bad.hits())
  })
})

describe('invalid predictions', () => {
  it('a 200 whose probabilities sum to 1.3 is a 502 counted as invalid_prediction, never labelled', async () => {
    // In front of the demo model: every probability multiplied by 1.3, so each row sums to 1.3.
    const skewed = await startSkewingProxy(demo[0]!.url, 1.3)
    closers.push(() => skewed.close())
    const url = skewed.url
    const spec = join(import.meta.dirname, '..', '..', 'models', 'hit-predictor', 'v1', 'transform.yaml')
    const gw = await gateway({ v1: { url, weight: 100, transform: spec } })
    const song = { danceability: 0.71, energy: 0.8, key: 5, loudness: -5.2, mode: 1, speechiness: 0.05, acousticness: 0.1, instrumentalness: 0, liveness: 0.12, valence: 0.6, tempo: 118, duration_ms: 201000 }
    const r = await infer(gw, '/v1/models/hit-predictor:predict', JSON.stringify({ instances: [song] }))
    expect(r.status).toBe(502)
    expect(r.json.code).toBe('HEADLINER_ERR_INVALID_PREDICTION')
    expect(String(r.json.error)).toMatch(/probabilities of output\[0\] sum to 1\.3/)
    expect(r.json.predictions).toBeUndefined()
    await until(async () => await metric(gw, /^headliner_upstream_errors_total\{model="hit-predictor",version="v1",kind="invalid_prediction"\}/) === 1)
  })
})
