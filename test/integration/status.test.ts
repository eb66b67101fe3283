/**
 * GET /status and `headliner status` on a real gateway (buildApp on port 0, demo model servers and a
 * faulty upstream on real sockets, the compiled CLI as a child process). Three models, one per
 * verdict: `hit-predictor` has a v2 that fails every other call, `steady` is healthy and compares
 * itself with an identical shadow, `idle` gets no traffic. Exit codes are read from the real CLI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { runHeadliner } from '../helpers/cli.js'
import { startFaultyUpstream } from '../helpers/fault-server.js'
import { oipBody, startDemoVersions, startGateway, type TestGateway } from '../helpers/gateway.js'
import { until } from '../helpers/wait.js'
import type { RunningModelServer } from '../../src/demo/model-server.js'
import type { StatusReport } from '../../src/status/report.js'

const TOKEN = 'status-test-token'
const N = 60
let gw: TestGateway
let models: RunningModelServer[]
let faulty: Awaited<ReturnType<typeof startFaultyUpstream>>

/** `node bin/headliner.js status ...args` against the gateway: its exit code and output. */
async function cli (...args: string[]): Promise<{ code: number | null; out: string }> {
  const run = await runHeadliner(['status', '--gateway', gw.adminUrl, ...args], { env: { HEADLINER_ADMIN_TOKEN: '' } })
  return { code: run.code, out: run.stdout + run.stderr }
}

async function status (): Promise<StatusReport> {
  const res = await request(`${gw.adminUrl}/status`, { headers: { authorization: `Bearer ${TOKEN}` } })
  expect(res.statusCode).toBe(200)
  return await res.body.json() as StatusReport
}

async function send (model: string, version: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await request(`${gw.url}/v2/models/${model}/infer`, { method: 'POST', body: oipBody(), headers: { 'content-type': 'application/json', 'x-headliner-version': version } })
    await res.body.dump()
  }
}

beforeAll(async () => {
  models = await startDemoVersions(['v1'])
  faulty = await startFaultyUpstream('half500')
  const v1 = models[0]!.url
  // A loaded CI machine may be slow, never wrong: generous timeouts and a p99 SLO (per model, from the
  // config's `status:` block) that only the errors under test can break.
  const lenient = { timeoutMs: 30_000, status: { p99SloMs: 60_000 } }
  gw = await startGateway({
    schemaVersion: 1,
    admin: { tokens: [] },
    models: {
      'hit-predictor': { ...lenient, versions: { v1: { url: v1, weight: 50 }, v2: { url: faulty.url, weight: 50 } } },
      steady: { ...lenient, shadow: { timeoutMs: 30_000 }, versions: { v1: { url: v1, weight: 100, upstreamModel: 'hit-predictor' }, twin: { url: v1, mirror: 100, upstreamModel: 'hit-predictor' } } },
      idle: { ...lenient, versions: { v1: { url: v1, weight: 100, upstreamModel: 'hit-predictor' } } }
    }
  }, { adminToken: TOKEN })
})

afterAll(async () => {
  await gw?.close()
  await faulty?.close()
  await Promise.all((models ?? []).map((m) => m.close()))
})

describe('GET /status on a real gateway', () => {
  it('with no traffic at all: insufficient_data for every model, exit 3', async () => {
    const s = await status()
    expect(s.models.map((m) => [m.model, m.verdict])).toEqual([['hit-predictor', 'insufficient_data'], ['steady', 'insufficient_data'], ['idle', 'insufficient_data']])
    expect((await cli('--token', TOKEN)).code).toBe(3)
  }, 60_000)

  it('a version failing half its calls makes its model failing, with a reason naming it; the others stay apart', async () => {
    await send('hit-predictor', 'v1', N)
    await send('hit-predictor', 'v2', N)
    await send('steady', 'v1', N)
    // The shadow copies finish after the primary replies.
    await until(async () => (await status()).models.find((m) => m.model === 'steady')!.shadows[0]?.windows['5m'].total === N, 20_000)
    const s = await status()
    const hit = s.models.find((m) => m.model === 'hit-predictor')!
    expect(hit.thresholds.p99SloMs).toBe(60_000)
    expect(hit.verdict).toBe('failing')
    expect(hit.reasons).toEqual([`v2 error ratio 50 % (30 of ${N} requests) over the last 5 min, at or above the 5 % threshold`])
    const v2 = hit.versions.find((v) => v.name === 'v2')!
    expect(v2).toMatchObject({ role: 'serving', weight: 50, ready: true })
    expect(v2.windows['1m']).toMatchObject({ requests: N, errors: N / 2, errorRatio: 0.5 })
    expect(v2.windows['5m'].p99Ms).toBeGreaterThan(0)

    const steady = s.models.find((m) => m.model === 'steady')!
    expect(steady.verdict).toBe('healthy')
    expect(steady.reasons).toEqual([])
    expect(steady.versions.map((v) => [v.name, v.role, v.weight, v.mirror])).toEqual([['v1', 'serving', 100, undefined], ['twin', 'shadow', 0, 100]])
    // The identical shadow: every copy agrees, and its own replies are counted as the shadow's.
    expect(steady.shadows).toEqual([{ primary: 'v1', shadow: 'twin', windows: expect.objectContaining({ '5m': expect.objectContaining({ total: N, agree: N, agreementRate: 1 }) }) }])
    expect(steady.versions.find((v) => v.name === 'twin')!.windows['5m']).toMatchObject({ requests: N, errors: 0 })

    expect(s.models.find((m) => m.model === 'idle')!.verdict).toBe('insufficient_data')
    expect(s.verdict).toBe('failing')
  })

  it('the CLI exits by the verdict it prints, per model and overall; 4 without a token', async () => {
    const all = await cli('--token', TOKEN)
    expect(all.code).toBe(2)
    expect(all.out).toContain(`- v2 error ratio 50 % (30 of ${N} requests) over the last 5 min, at or above the 5 % threshold`)
    expect((await cli('--token', TOKEN, '--model', 'steady')).code).toBe(0)
    expect((await cli('--token', TOKEN, '--model', 'idle')).code).toBe(3)
    const json = await cli('--token', TOKEN, '--model', 'hit-predictor', '--json')
    expect(json.code).toBe(2)
    expect((JSON.parse(json.out) as StatusReport).models.map((m) => m.model)).toEqual(['hit-predictor'])
    const refused = await cli()
    expect(refused.code).toBe(4)
    expect(refused.out).toContain('answered 401')
  }, 120_000)

  it('answers 404 naming an unknown model, and 401 without a token', async () => {
    const res = await request(`${gw.adminUrl}/status?model=nope`, { headers: { authorization: `Bearer ${TOKEN}` } })
    expect(res.statusCode).toBe(404)
    expect(JSON.stringify(await res.body.json())).toContain('nope')
    const open = await request(`${gw.adminUrl}/status`)
    expect(open.statusCode).toBe(401)
    await open.body.dump()
  })

  it('a refused config reload is a reason, and the previous config still serves', async () => {
    const config = gw.app.runtime.snapshot.config
    const broken = { ...config, models: { ...config.models, steady: { ...config.models.steady!, versions: { ...config.models.steady!.versions, v1: { ...config.models.steady!.versions.v1!, transform: '/nonexistent/transform.yaml' } } } } }
    await expect(gw.app.reload(broken)).rejects.toThrow()
    const steady = (await status()).models.find((m) => m.model === 'steady')!
    expect(steady.verdict).toBe('degraded')
    expect(steady.reasons[0]).toMatch(/^config reload refused at \d\d:\d\d UTC: .*\/nonexistent\/transform\.yaml.*; the previous config still serves$/)
    expect(steady.reload).toMatchObject({ ok: false })
    await gw.app.reload(config)
    expect((await status()).models.find((m) => m.model === 'steady')!.verdict).toBe('healthy')
  })
})
