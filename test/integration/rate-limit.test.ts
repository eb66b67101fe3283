/**
 * The optional per-client rate limit of the data plane, on real sockets: off by default; with
 * `server.rateLimit` a client past `max` requests in `periodMs` gets 429 JSON with Retry-After,
 * counted like every refusal before routing (version ""); the key is the configured header, else
 * the client address (X-Forwarded-For is not trusted); health checks are never limited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { metricValue, oipBody, startGateway, startRecordingUpstream, type TestGateway } from '../helpers/gateway.js'
import { until } from '../helpers/wait.js'

let up: Awaited<ReturnType<typeof startRecordingUpstream>>
const closers: (() => Promise<void>)[] = []
beforeAll(async () => { up = await startRecordingUpstream() })
afterAll(async () => {
  for (const close of closers.reverse()) await close()
  await up.close()
})

async function gateway (server: Record<string, unknown> = {}): Promise<TestGateway> {
  const gw = await startGateway({ schemaVersion: 1, server, models: { m: { versions: { v1: { url: up.url, weight: 100 } } } } })
  closers.push(() => gw.close())
  return gw
}

async function infer (gw: TestGateway, headers: Record<string, string> = {}) {
  const res = await request(gw.url + '/v2/models/m/infer', { method: 'POST', body: oipBody(), headers: { 'content-type': 'application/json', ...headers } })
  return { status: res.statusCode, headers: res.headers, json: await res.body.json() as Record<string, unknown> }
}

const metric = metricValue

it('is off by default: 60 requests from one client in a burst are all served', async () => {
  const gw = await gateway()
  const all = await Promise.all(Array.from({ length: 60 }, () => infer(gw)))
  expect(all.every((r) => r.status === 200)).toBe(true)
  expect(all[0]!.headers['x-ratelimit-limit']).toBeUndefined()
})

describe('by client address', () => {
  let gw: TestGateway
  // a period long enough that the test's requests all fall into one, even on a slow machine
  beforeAll(async () => { gw = await gateway({ rateLimit: { max: 5, periodMs: 60_000 } }) })

  it('serves max requests, then 429 JSON with Retry-After, counted as a refusal before routing', async () => {
    const all = []
    for (let i = 0; i < 8; i++) all.push(await infer(gw))
    expect(all.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429, 429, 429])
    const refused = all[5]!
    expect(refused.json).toMatchObject({ code: 'HEADLINER_ERR_RATE_LIMITED', error: expect.stringMatching(/more than 5 requests in 60000 ms from this client on this replica/) })
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60)
    await until(async () => await metric(gw, /^headliner_requests_total\{model="m",version="",role="primary",route="none",code="429"\}/) === 3)
    expect(up.requests.filter((r) => r.method === 'POST').length).toBeGreaterThanOrEqual(5)
  })

  it('does not trust X-Forwarded-For: a spoofed address is the same client', async () => {
    expect((await infer(gw, { 'x-forwarded-for': '203.0.113.9' })).status).toBe(429)
  })

  it('never limits the health checks', async () => {
    for (const path of ['/v2/health/live', '/v2/health/ready']) {
      const res = await request(gw.url + path)
      await res.body.dump()
      expect(res.statusCode).toBe(200)
    }
  })
})

describe('by a configured key header', () => {
  it('counts each key apart; a request without the header is counted by its address', async () => {
    const gw = await gateway({ rateLimit: { max: 2, periodMs: 60_000, keyHeader: 'X-API-Key' } })
    const a = []
    for (let i = 0; i < 3; i++) a.push((await infer(gw, { 'x-api-key': 'team-a' })).status)
    expect(a).toEqual([200, 200, 429])
    // another key from the same address has its own budget
    expect((await infer(gw, { 'x-api-key': 'team-b' })).status).toBe(200)
    const bare = []
    for (let i = 0; i < 3; i++) bare.push((await infer(gw)).status)
    expect(bare).toEqual([200, 200, 429])
  })

  it('lets a client in again after the period', async () => {
    const gw = await gateway({ rateLimit: { max: 1, periodMs: 500, keyHeader: 'x-api-key' } })
    expect((await infer(gw, { 'x-api-key': 'k' })).status).toBe(200)
    expect((await infer(gw, { 'x-api-key': 'k' })).status).toBe(429)
    await until(async () => (await infer(gw, { 'x-api-key': 'k' })).status === 200, 10_000)
  })
})
