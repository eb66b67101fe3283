/**
 * Interim (1xx) answers the gateway never asked for, from a raw `net` upstream: an unsolicited
 * `100 Continue` before the real answer is skipped like `103 Early Hints` (before: undici destroyed
 * the connection on any 100, a 502 counted as an upstream connect error), for primary calls, shadow
 * copies and probes alike, and the connection stays usable for the next request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { metricValue, oipBody, startGateway, type TestGateway } from '../helpers/gateway.js'
import { startRawUpstream, type RawUpstream } from '../helpers/raw-upstream.js'
import { until } from '../helpers/wait.js'

const closers: (() => Promise<void>)[] = []
afterAll(async () => { for (const close of closers.reverse()) await close() })

async function gateway (versions: Record<string, unknown>): Promise<TestGateway> {
  const gw = await startGateway({ schemaVersion: 1, models: { m: { timeoutMs: 3000, versions } } })
  closers.push(() => gw.close())
  return gw
}

async function raw (opts: Parameters<typeof startRawUpstream>[0] = {}): Promise<RawUpstream> {
  const up = await startRawUpstream(opts)
  closers.push(() => up.close())
  return up
}

async function infer (gw: TestGateway, headers: Record<string, string> = {}) {
  const res = await request(gw.url + '/v2/models/m/infer', { method: 'POST', body: oipBody(), headers: { 'content-type': 'application/json', ...headers } })
  return { status: res.statusCode, json: await res.body.json() as Record<string, unknown> }
}

const metric = metricValue

describe('primary calls', () => {
  let up: RawUpstream
  let gw: TestGateway
  beforeAll(async () => {
    up = await raw({ split: true })
    gw = await gateway({ v1: { url: up.url, weight: 100, connections: 1 } })
  })

  for (const interim of ['100', '103', '100,100,103,102']) {
    it(`${interim} before a 200 answers the 200 (each interim head split over two writes)`, async () => {
      const r = await infer(gw, { 'x-interim': interim })
      expect(r).toMatchObject({ status: 200, json: { outputs: [{ data: [0.25, 0.75] }] } })
    })
  }

  it('100 before a 500 passes the 500, counted as a status error, not a connect error', async () => {
    const r = await infer(gw, { 'x-interim': '100', 'x-final': '500' })
    expect(r).toMatchObject({ status: 500, json: { code: 'HEADLINER_ERR_UPSTREAM_STATUS' } })
    expect(await metric(gw, /^headliner_upstream_errors_total\{model="m",version="v1",kind="status"\}/)).toBe(1)
    expect(await metric(gw, /^headliner_upstream_errors_total\{model="m",version="v1",kind="connect"\}/)).toBe(0)
  })

  it('the connection survives: ten answers after a 100 each, all on the one pooled connection', async () => {
    const before = up.connections()
    for (let i = 0; i < 10; i++) expect((await infer(gw, { 'x-interim': '100' })).status).toBe(200)
    expect(up.connections()).toBe(before)
  })
})

it('a shadow that sends 100 before its answer is compared (agree), not counted as a shadow error', async () => {
  const primary = await raw()
  const shadow = await raw({ onPost: [100] })
  const gw = await gateway({ v1: { url: primary.url, weight: 100 }, s: { url: shadow.url, mirror: 100 } })
  for (let i = 0; i < 3; i++) expect((await infer(gw)).status).toBe(200)
  await until(async () => await metric(gw, /^headliner_shadow_comparisons_total\{[^}]*shadow="s",outcome="agree"\}/) === 3)
  expect(await metric(gw, /^headliner_shadow_comparisons_total\{[^}]*outcome="shadow_error"\}/)).toBe(0)
})

it('a probe answered after a 100 marks the version ready', async () => {
  const up = await raw({ onGet: [100] })
  const gw = await gateway({ v1: { url: up.url, weight: 100 } })
  expect(up.served.filter((s) => s.startsWith('GET')).length).toBeGreaterThanOrEqual(2)
  expect(gw.app.runtime.model('m')!.versions.get('v1')!.readiness).toMatchObject({ ready: true })
  expect((await infer(gw)).status).toBe(200)
})
