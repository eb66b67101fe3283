/**
 * Every response of the data plane is counted in headliner_requests_total and logged once, with
 * fastify's field names, the reason of a 4xx and the kind of a 5xx; error bodies carry no file paths
 * or upstream addresses; the request id reaches the primary upstream. Real sockets throughout.
 */
import { connect } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { deadPort, oipBody, startDemoVersions, startGateway, startRecordingUpstream, type TestGateway } from '../helpers/gateway.js'
import type { RunningModelServer } from '../../src/demo/model-server.js'

const spec = (v: string) => join(import.meta.dirname, '..', '..', 'models', 'hit-predictor', v, 'transform.yaml')

let models: RunningModelServer[]
let recording: Awaited<ReturnType<typeof startRecordingUpstream>>
let vanishing: Awaited<ReturnType<typeof startRecordingUpstream>>
let gw: TestGateway

beforeAll(async () => {
  models = await startDemoVersions(['v1', 'v3'])
  recording = await startRecordingUpstream()
  vanishing = await startRecordingUpstream()
  const dead = `http://127.0.0.1:${await deadPort()}`
  gw = await startGateway({
    schemaVersion: 1,
    server: { bodyLimitBytes: 2048 },
    models: {
      'hit-predictor': { versions: { v1: { url: models[0]!.url, weight: 100 }, stale: { url: models[1]!.url, mirror: 0, transform: spec('v2') } } },
      down: { versions: { v1: { url: dead, weight: 100 } } },
      rec: { versions: { v1: { url: recording.url, weight: 100 } } },
      gone: { versions: { v1: { url: vanishing.url, weight: 100 } } }
    }
  })
  await vanishing.close()
})

afterAll(async () => {
  await gw.close()
  await recording.close()
  await Promise.all(models.map((m) => m.close()))
})

async function post (path: string, body: string, id: string, headers: Record<string, string> = {}) {
  const res = await request(gw.url + path, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-request-id': id, ...headers } })
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() }
}

/** Two Host headers cannot be sent with undici: write the request by hand. */
function twoHosts (id: string): Promise<string> {
  const { port } = new URL(gw.url)
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), '127.0.0.1', () => {
      s.write(`POST /v2/models/hit-predictor/infer HTTP/1.1\r\nHost: a\r\nHost: b\r\nx-request-id: ${id}\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}`)
    })
    let text = ''
    s.setTimeout(10_000, () => { s.destroy(); reject(new Error('no answer')) })
    s.on('data', (c: Buffer) => { text += c.toString() })
    s.on('end', () => { resolve(text) })
    s.on('error', reject)
  })
}

type Line = Record<string, unknown> & { req?: { method?: string; url?: string }; res?: { statusCode?: number }; err?: unknown }
const linesOf = (id: string): Line[] => gw.logs.map((l) => JSON.parse(l) as Line).filter((l) => l.reqId === id)

async function requestsCount (labels: Record<string, string>): Promise<number> {
  const { values } = await gw.app.metrics.requests.get()
  return values.filter((v) => Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want)).reduce((a, v) => a + v.value, 0)
}

describe('responses before or without a chosen version', () => {
  const cases: { id: string; send: () => Promise<{ status: number; text: string }>; status: number; model: string; code: string }[] = [
    { id: 'unknown-model', send: () => post('/v2/models/nope/infer', oipBody(), 'unknown-model'), status: 404, model: '', code: 'HEADLINER_ERR_UNKNOWN_MODEL' },
    { id: 'unknown-version', send: () => post('/v2/models/hit-predictor/versions/zz/infer', oipBody(), 'unknown-version'), status: 404, model: 'hit-predictor', code: 'HEADLINER_ERR_UNKNOWN_VERSION' },
    { id: 'too-large', send: () => post('/v2/models/hit-predictor/infer', JSON.stringify({ pad: 'x'.repeat(4096) }), 'too-large'), status: 413, model: 'hit-predictor', code: 'HEADLINER_ERR_BODY_TOO_LARGE' },
    { id: 'dup-key', send: () => post('/v2/models/hit-predictor/infer', '{"inputs":[],"inputs":[]}', 'dup-key'), status: 400, model: 'hit-predictor', code: 'HEADLINER_ERR_BAD_REQUEST' },
    { id: 'no-ready', send: () => post('/v2/models/down/infer', oipBody(), 'no-ready'), status: 503, model: 'down', code: 'HEADLINER_ERR_NO_READY_VERSION' },
    { id: 'two-hosts', send: async () => { const t = await twoHosts('two-hosts'); return { status: Number(t.split(' ')[1]), text: t.slice(t.indexOf('\r\n\r\n') + 4) } }, status: 400, model: 'hit-predictor', code: 'HEADLINER_ERR_BAD_REQUEST' }
  ]

  for (const c of cases) {
    it(`${c.id}: ${c.status} is counted with version "" and route "none", and logged once with its reason`, async () => {
      const before = await requestsCount({ model: c.model, version: '', route: 'none', code: String(c.status) })
      const res = await c.send()
      expect(res.status).toBe(c.status)
      expect((JSON.parse(res.text) as { code: string }).code).toBe(c.code)
      expect(await requestsCount({ model: c.model, version: '', route: 'none', code: String(c.status) })).toBe(before + 1)
      const lines = linesOf(c.id)
      expect(lines).toHaveLength(1)
      const line = lines[0]!
      expect(line.req?.method).toBe('POST')
      expect(line.req?.url).toMatch(/^\/v2\/models\//)
      expect(line.res?.statusCode).toBe(c.status)
      expect(typeof line.responseTime).toBe('number')
      expect(line.code).toBe(c.code)
      expect(typeof line.reason).toBe('string')
      expect(line.route).toBe('none')
    })
  }
})

describe('faults: one line, no stack, no server details in the body', () => {
  it('a refused upstream: 502 naming model, version and kind; the address only in the one log line', async () => {
    const res = await post('/v2/models/gone/infer', oipBody(), 'refused')
    expect(res.status).toBe(502)
    const body = JSON.parse(res.text) as { error: string; code: string }
    expect(body.code).toBe('HEADLINER_ERR_UPSTREAM_CONNECT')
    expect(body.error).toContain('gone/v1')
    expect(res.text).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/)
    const lines = linesOf('refused')
    expect(lines).toHaveLength(1)
    const line = lines[0]!
    expect(line).toMatchObject({ model: 'gone', version: 'v1', route: 'weight', res: { statusCode: 502 } })
    expect(line.err).toMatchObject({ type: 'HEADLINER_ERR_UPSTREAM_CONNECT' })
    expect(JSON.stringify(line.err)).toMatch(/127\.0\.0\.1/)
    expect(JSON.stringify(line)).not.toContain('stack')
    expect(await requestsCount({ model: 'gone', version: 'v1', route: 'weight', code: '502' })).toBe(1)
  })

  it('a version pinned while unready: 503 without the upstream address or a transform path', async () => {
    const down = await post('/v2/models/down/versions/v1/infer', oipBody(), 'pinned-down')
    expect(down.status).toBe(503)
    expect(down.text).not.toMatch(/127\.0\.0\.1|http:/)
    const stale = await post('/v2/models/hit-predictor/versions/stale/infer', oipBody(), 'pinned-stale')
    expect(stale.status).toBe(503)
    expect(stale.text).toContain('stale')
    expect(stale.text).not.toContain('transform.yaml')
    expect(stale.text).not.toContain(import.meta.dirname.split('/')[1]!)
    expect(JSON.stringify(linesOf('pinned-stale')[0]?.err)).toContain('transform.yaml')
  })

  it('the err field is an object in every line', () => {
    const errs = gw.logs.map((l) => (JSON.parse(l) as Line).err).filter((e) => e !== undefined)
    expect(errs.length).toBeGreaterThan(0)
    for (const e of errs) expect(typeof e).toBe('object')
  })
})

describe('the request id', () => {
  it('a generated id reaches the primary upstream as x-request-id and comes back to the client', async () => {
    const res = await request(gw.url + '/v2/models/rec/infer', { method: 'POST', body: oipBody(), headers: { 'content-type': 'application/json' } })
    await res.body.dump()
    expect(res.statusCode).toBe(200)
    const id = res.headers['x-request-id']
    expect(typeof id).toBe('string')
    const upstream = recording.requests.filter((r) => r.method === 'POST')
    expect(upstream.at(-1)?.headers['x-request-id']).toBe(id)
  })
})

describe('the line per response', () => {
  // The line is written through one logger built at start-up, without redaction: its fields are
  // fixed, and none of them may carry the client's headers.
  it('has the request id first, and no credential the client sent', async () => {
    const res = await post('/v2/models/hit-predictor/infer', oipBody(), 'with-secrets', { authorization: 'Bearer s3cret-token', cookie: 'session=s3cret-cookie' })
    expect(res.status).toBe(200)
    const lines = gw.logs.filter((l) => (JSON.parse(l) as Line).reqId === 'with-secrets')
    expect(lines).toHaveLength(1)
    const line = lines[0]!
    expect(Object.keys(JSON.parse(line) as Line).slice(0, 5)).toEqual(['level', 'time', 'pid', 'hostname', 'reqId'])
    expect(line).not.toContain('s3cret')
    expect(JSON.parse(line)).toMatchObject({ req: { method: 'POST', url: '/v2/models/hit-predictor/infer' }, res: { statusCode: 200 }, model: 'hit-predictor', version: 'v1', msg: 'request completed' })
  })
})
