import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { deadPort, oipBody, startDemoVersions, startGateway, startRecordingUpstream, type TestGateway } from '../helpers/gateway.js'
import { startFaultyUpstream } from '../helpers/fault-server.js'
import { generateSong, mulberry32, songToRow } from '../../src/demo/songs.js'
import type { RunningModelServer } from '../../src/demo/model-server.js'
import { until } from '../helpers/wait.js'

const TOKEN = 'test-admin-token'
type Closer = { close (): Promise<void> }
const closers: Closer[] = []

async function infer (gw: TestGateway, model: string, body: string) {
  const res = await request(`${gw.url}/v2/models/${model}/infer`, { method: 'POST', body, headers: { 'content-type': 'application/json' } })
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() }
}

async function admin (gw: TestGateway, path: string, token = TOKEN) {
  const res = await request(gw.adminUrl + path, { headers: { authorization: `Bearer ${token}` } })
  return { status: res.statusCode, json: await res.body.json() as Record<string, unknown> }
}

function metric (text: string, pattern: RegExp): number {
  const m = pattern.exec(text)
  return m === null ? 0 : Number(m[1])
}

async function scrape (gw: TestGateway): Promise<string> {
  return (await request(gw.adminUrl + '/metrics')).body.text()
}

afterAll(async () => {
  for (const c of closers.reverse()) await c.close()
})

describe('shadows of the hit predictor', () => {
  let models: RunningModelServer[]
  let gw: TestGateway
  const N = 300

  beforeAll(async () => {
    models = await startDemoVersions(['v1', 'v2', 'v3'])
    closers.push(...models)
    gw = await startGatewayWithToken({
      schemaVersion: 1,
      models: {
        'hit-predictor': {
          shadow: { diffs: 5 },
          versions: {
            v1: { url: models[0]!.url, weight: 100 },
            v2: { url: models[1]!.url, weight: 0, mirror: 100 },
            v3: { url: models[2]!.url, weight: 0, mirror: 100 }
          }
        }
      }
    })
    closers.push(gw)
    const random = mulberry32(42)
    for (let i = 0; i < N; i++) {
      const res = await infer(gw, 'hit-predictor', oipBody([songToRow(generateSong(random))]))
      expect(res.status).toBe(200)
      expect(res.headers['x-headliner-version']).toBe('v1')
    }
    await until(async () => {
      const text = await scrape(gw)
      const done = (shadow: string) => ['agree', 'disagree', 'shadow_error'].reduce((sum, o) =>
        sum + metric(text, new RegExp(`headliner_shadow_comparisons_total\\{model="hit-predictor",primary="v1",shadow="${shadow}",outcome="${o}"\\} (\\d+)`)), 0)
      return done('v2') === N && done('v3') === N
    })
  })

  it('compares every mirrored request: v2 mostly agrees with v1, v3 (the mismatched model) rarely does', async () => {
    const text = await scrape(gw)
    const rate = (shadow: string) => {
      const agree = metric(text, new RegExp(`headliner_shadow_comparisons_total\\{model="hit-predictor",primary="v1",shadow="${shadow}",outcome="agree"\\} (\\d+)`))
      return agree / N
    }
    // Over 2000 songs the demo models agree 88% (v2) and 3% (v3) on top-1; 300 songs give a
    // standard error of about 2 points, so these bounds are about 5 standard errors wide.
    expect(rate('v2')).toBeGreaterThan(0.75)
    expect(rate('v2')).toBeLessThan(1)
    expect(rate('v3')).toBeLessThan(0.15)
    expect(metric(text, /headliner_shadow_requests_total\{model="hit-predictor",version="v2",outcome="sent"\} (\d+)/)).toBe(N)
    expect(text).toMatch(/headliner_request_duration_seconds_count\{model="hit-predictor",version="v3",role="shadow"\} 300/)
    expect(text).toMatch(/headliner_shadow_divergence_count\{model="hit-predictor",primary="v1",shadow="v3"\} 300/)
  })

  it('summarises each shadow in the admin API', async () => {
    const res = await admin(gw, '/admin/models/hit-predictor/shadow')
    expect(res.status).toBe(200)
    const shadows = res.json.shadows as { version: string; pairs: { agreementRate: number; total: number; divergence: { p50: number } | null; latencyMs: { shadow: unknown } }[] }[]
    expect(shadows.map((s) => s.version)).toEqual(['v2', 'v3'])
    const [v2, v3] = shadows.map((s) => s.pairs[0]!)
    expect(v2!.total).toBe(N)
    expect(v2!.agreementRate).toBeGreaterThan(v3!.agreementRate)
    expect(v3!.divergence!.p50).toBeGreaterThan(v2!.divergence!.p50)
    expect(v2!.latencyMs.shadow).not.toBeNull()
  })

  it('keeps only the most recent disagreements, bounded by the configured count', async () => {
    const res = await admin(gw, '/admin/models/hit-predictor/shadow/diffs')
    const diffs = res.json.diffs as { requestId: string; shadow: string; outcome: string; input: { inputs: unknown[] }; primaryAnswer: unknown; shadowAnswer: unknown; measures: { top1Agreement: number } }[]
    expect(diffs).toHaveLength(5)
    for (const d of diffs) {
      expect(d.outcome).toBe('disagree')
      expect(d.measures.top1Agreement).toBe(0)
      expect(d.input.inputs).toHaveLength(1)
      expect(d.primaryAnswer).toBeDefined()
      expect(d.shadowAnswer).toBeDefined()
    }
    expect((await admin(gw, '/admin/models/hit-predictor/shadow/diffs?limit=2')).json.diffs).toHaveLength(2)
    expect((await admin(gw, '/admin/models/hit-predictor/shadow/diffs?limit=zero')).status).toBe(400)
  })

  it('refuses the admin API without the right bearer token', async () => {
    expect((await admin(gw, '/admin/models/hit-predictor/shadow', 'wrong')).status).toBe(401)
    const res = await request(gw.adminUrl + '/admin/models/hit-predictor/shadow')
    expect(res.statusCode).toBe(401)
    expect(await res.body.json()).toMatchObject({ code: 'HEADLINER_ERR_UNAUTHORIZED' })
  })
})

describe('isolation: a broken shadow never changes the primary answer', () => {
  let primary: RunningModelServer[]
  let slow: RunningModelServer[]
  let gw: TestGateway
  let direct: string
  const faults: Record<string, Awaited<ReturnType<typeof startFaultyUpstream>>> = {}
  let recording: Awaited<ReturnType<typeof startRecordingUpstream>>

  beforeAll(async () => {
    primary = await startDemoVersions(['v1'])
    slow = await startDemoVersions(['v2'], 2000)
    closers.push(...primary, ...slow)
    for (const f of ['garbage', 'reset', 'status500', 'wrong-shape'] as const) {
      faults[f] = await startFaultyUpstream(f)
      closers.push(faults[f])
    }
    recording = await startRecordingUpstream()
    closers.push(recording)
    const down = await deadPort()
    const model = (shadowUrl: string, extra: Record<string, unknown> = {}) => ({
      shadow: { timeoutMs: 300, ...extra },
      versions: { v1: { url: primary[0]!.url, upstreamModel: 'hit-predictor', weight: 100 }, s: { url: shadowUrl, upstreamModel: 'hit-predictor', weight: 0, mirror: 100 } }
    })
    gw = await startGatewayWithToken({
      schemaVersion: 1,
      models: {
        slow: model(slow[0]!.url),
        down: model(`http://127.0.0.1:${down}`),
        garbage: model(faults.garbage!.url),
        reset: model(faults.reset!.url),
        status500: model(faults.status500!.url),
        shape: model(faults['wrong-shape']!.url),
        marked: model(recording.url),
        // a cool-down far longer than the test, so the count below cannot depend on timing
        dead: model(`http://127.0.0.1:${down}`, { breaker: { failures: 5, cooldownMs: 600_000 } }),
        bounded: model(slow[0]!.url, { maxInflight: 2, timeoutMs: 5000 })
      }
    })
    closers.push(gw)
    const res = await request(`${primary[0]!.url}/v2/models/hit-predictor/infer`, { method: 'POST', body: oipBody(undefined, 'same-id') })
    direct = await res.body.text()
  })

  const cases: [string, string, RegExp][] = [
    ['slow (2 s, timeout 300 ms)', 'slow', /headliner_shadow_requests_total\{model="slow",version="s",outcome="timeout"\} 1/],
    ['refusing connections', 'down', /headliner_shadow_requests_total\{model="down",version="s",outcome="error"\} 1/],
    ['resetting connections', 'reset', /headliner_shadow_requests_total\{model="reset",version="s",outcome="error"\} 1/],
    ['answering 500', 'status500', /headliner_shadow_requests_total\{model="status500",version="s",outcome="error"\} 1/],
    ['answering garbage', 'garbage', /headliner_shadow_comparisons_total\{model="garbage",primary="v1",shadow="s",outcome="shadow_error"\} 1/],
    ['answering the wrong shape', 'shape', /headliner_shadow_comparisons_total\{model="shape",primary="v1",shadow="s",outcome="shadow_error"\} 1/]
  ]
  for (const [name, model, counted] of cases) {
    it(`answers byte-identically with a shadow ${name}, and counts the shadow's failure`, async () => {
      const res = await infer(gw, model, oipBody(undefined, 'same-id'))
      expect(res.status).toBe(200)
      expect(res.text).toBe(direct)
      await until(async () => counted.test(await scrape(gw)))
      expect(await scrape(gw)).toMatch(new RegExp(`headliner_shadow_comparisons_total\\{model="${model}",primary="v1",shadow="s",outcome="shadow_error"\\} 1`))
    })
  }

  it('answers the primary while the slow shadow copy is still in flight', async () => {
    const res = await infer(gw, 'bounded', oipBody())
    expect(res.status).toBe(200)
    // The shadow sleeps 2 s; the primary answer is already here and the copy has not finished.
    expect(gw.app.shadow.inflight('bounded')).toBe(1)
    await until(() => gw.app.shadow.inflight('bounded') === 0)
  })

  it('drops copies past the in-flight bound and counts them', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => infer(gw, 'bounded', oipBody())))
    expect(results.every((r) => r.status === 200 && r.text.includes('"outputs"'))).toBe(true)
    const text = await scrape(gw)
    expect(metric(text, /headliner_shadow_requests_total\{model="bounded",version="s",outcome="dropped"\} (\d+)/)).toBeGreaterThanOrEqual(8)
    expect(gw.app.shadow.inflight('bounded')).toBeLessThanOrEqual(2)
  })

  it('stops sending copies to a shadow that keeps failing, for a cool-down, and counts them dropped', async () => {
    for (let i = 0; i < 12; i++) {
      const res = await infer(gw, 'dead', oipBody())
      expect(res.status).toBe(200)
      // let the copy fail before the next request, so the breaker sees failures in order
      await until(() => gw.app.shadow.inflight('dead') === 0)
    }
    const text = await scrape(gw)
    const errors = metric(text, /headliner_shadow_requests_total\{model="dead",version="s",outcome="error"\} (\d+)/)
    const dropped = metric(text, /headliner_shadow_requests_total\{model="dead",version="s",outcome="dropped"\} (\d+)/)
    // five consecutive failures open the breaker: the next copies are not sent
    expect(errors).toBe(5)
    expect(dropped).toBe(7)
  })

  it('marks mirrored requests as shadow traffic and sends the same body', async () => {
    const body = oipBody(undefined, 'marked-1')
    await infer(gw, 'marked', body)
    await until(() => recording.requests.some((r) => r.method === 'POST'))
    const seen = recording.requests.find((r) => r.method === 'POST')!
    expect(seen.headers['x-headliner-shadow']).toBe('1')
    expect(seen.body).toBe(body)
    expect(seen.url).toBe('/v2/models/hit-predictor/infer')
  })
})

async function startGatewayWithToken (raw: unknown): Promise<TestGateway> {
  return startGateway(raw, { adminToken: TOKEN })
}
