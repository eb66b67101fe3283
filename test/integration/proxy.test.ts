import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request as httpRequest } from 'node:http'
import { request } from 'undici'
import { deadPort, oipBody, SONG_ROW, startDemoVersions, startGateway, startRecordingUpstream, type TestGateway } from '../helpers/gateway.js'
import type { RunningModelServer } from '../../src/demo/model-server.js'

type Recording = Awaited<ReturnType<typeof startRecordingUpstream>>
let upstream: Recording
let slow: RunningModelServer[]
let gw: TestGateway
let downPort: number

beforeAll(async () => {
  upstream = await startRecordingUpstream()
  slow = await startDemoVersions(['v1'], 1500)
  downPort = await deadPort()
  gw = await startGateway({
    schemaVersion: 1,
    server: { bodyLimitBytes: 4096 },
    models: {
      rec: { versions: { a: { url: upstream.url, weight: 100 } } },
      slow: { timeoutMs: 200, versions: { a: { url: slow[0]!.url, upstreamModel: 'hit-predictor', weight: 100 } } },
      down: { versions: { a: { url: `http://127.0.0.1:${downPort}`, weight: 100 } } }
    }
  })
  // The probe at start saw `down` unreachable; pretend it was up then, so the request reaches the
  // transport and fails there (an upstream that dies between probes).
  gw.app.runtime.setReadiness('down', 'a', { ready: true, reason: 'ready' })
})

afterAll(async () => {
  await gw.close()
  await upstream.close()
  await Promise.all(slow.map((s) => s.close()))
})

const inferCount = () => upstream.requests.filter((r) => r.method === 'POST').length

/** node:http, because undici refuses to send hop-by-hop headers (which is what we test here). */
function rawPost (path: string, body: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(gw.url + path, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
      let text = ''
      res.on('data', (c: Buffer) => { text += c.toString() })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

async function post (path: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const res = await request(gw.url + path, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } })
  const text = await res.body.text()
  let json: Record<string, unknown> = {}
  try { json = JSON.parse(text) as Record<string, unknown> } catch { /* not JSON */ }
  return { status: res.statusCode, headers: res.headers, text, json }
}

describe('bad requests never reach the upstream', () => {
  const cases: [string, string, RegExp][] = [
    ['not JSON', '{"inputs": [', /^request body is not valid JSON/],
    ['empty body', '', /the body is empty/],
    ['a JSON array', '[1,2]', /^request: \(body\): must be a JSON object/],
    ['inputs missing', '{}', /^request: inputs: is required/],
    ['inputs not an array', '{"inputs": {}}', /^request: inputs: must be an array/],
    ['unknown datatype', JSON.stringify({ inputs: [{ name: 'x', shape: [1], datatype: 'FLOAT', data: [1] }] }), /inputs\[0\]\.datatype: must be one of BOOL, .*got "FLOAT"/],
    ['shape vs data', JSON.stringify({ inputs: [{ name: 'x', shape: [2, 12], datatype: 'FP32', data: SONG_ROW }] }), /inputs\[0\]: shape \[2, 12\] holds 24 elements but data has 12/],
    ['negative dim', JSON.stringify({ inputs: [{ name: 'x', shape: [-1, 12], datatype: 'FP32', data: SONG_ROW }] }), /inputs\[0\]\.shape\[0\]: must be a non-negative integer, got -1/],
    ['string in FP32', JSON.stringify({ inputs: [{ name: 'x', shape: [2], datatype: 'FP32', data: [1, '2'] }] }), /inputs\[0\]\.data\[1\]: must be a finite number for FP32, got string "2"/],
    ['Infinity via 1e999', '{"inputs":[{"name":"x","shape":[1],"datatype":"FP64","data":[1e999]}]}', /data\[0\]: must be a finite number for FP64, got Infinity/],
    ['int out of range', JSON.stringify({ inputs: [{ name: 'x', shape: [1], datatype: 'INT8', data: [300] }] }), /out of range for INT8: 300/],
    ['nested data miscounted', JSON.stringify({ inputs: [{ name: 'x', shape: [2, 2], datatype: 'FP32', data: [[1, 2], [3]] }] }), /holds 4 elements but data has 3/]
  ]
  for (const [name, body, message] of cases) {
    it(`400 for ${name}`, async () => {
      const before = inferCount()
      const res = await post('/v2/models/rec/infer', body)
      expect(res.status).toBe(400)
      expect(String(res.json.error)).toMatch(message)
      expect(inferCount()).toBe(before)
    })
  }

  it('400 for v1 rows of different widths, non-numbers, named features without a transform', async () => {
    const before = inferCount()
    expect((await post('/v1/models/rec:predict', '{"instances": [[1,2],[3]]}')).json.error).toBe('request: instances[1]: has 1 values but instances[0] has 2')
    expect((await post('/v1/models/rec:predict', '{"instances": [[1,"x"]]}')).json.error).toBe('request: instances[0][1]: must be a finite number, got string "x"')
    expect((await post('/v1/models/rec:predict', '{"instances": []}')).json.error).toBe('request: instances: must not be empty')
    expect((await post('/v1/models/rec:predict', '{"instances": [{"tempo": 1}]}')).status).toBe(400)
    expect(inferCount()).toBe(before)
  })

  it('413 with a JSON error for a body over the limit', async () => {
    const before = inferCount()
    const big = JSON.stringify({ inputs: [{ name: 'x', shape: [1000], datatype: 'FP32', data: Array.from({ length: 1000 }, () => 0.123456) }] })
    const res = await post('/v2/models/rec/infer', big)
    expect(res.status).toBe(413)
    expect(res.json).toMatchObject({ error: 'request body is larger than the limit of 4096 bytes', code: 'HEADLINER_ERR_BODY_TOO_LARGE' })
    expect(inferCount()).toBe(before)
  })
})

describe('what the upstream receives', () => {
  it('gets the exact client bytes, forwarding headers, the caller trace context (tracing off), and no hop-by-hop headers', async () => {
    const body = oipBody([SONG_ROW], 'fwd-1')
    const res = await rawPost('/v2/models/rec/infer', body, {
      connection: 'keep-alive, x-drop-me',
      'x-drop-me': 'secret',
      'keep-alive': 'timeout=9',
      te: 'trailers',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      'x-forwarded-for': '203.0.113.9',
      'x-request-id': 'rid-123'
    })
    expect(res.status).toBe(200)
    const seen = upstream.requests.at(-1)!
    expect(seen.url).toBe('/v2/models/rec/infer')
    expect(seen.body).toBe(body)
    expect(seen.headers['x-drop-me']).toBeUndefined()
    expect(seen.headers['keep-alive']).toBeUndefined()
    expect(seen.headers.te).toBeUndefined()
    expect(seen.headers.traceparent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')
    expect(seen.headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1')
    expect(seen.headers['x-forwarded-proto']).toBe('http')
    expect(seen.headers['x-request-id']).toBe('rid-123')
    // the answer: upstream headers pass, its hop-by-hop ones do not; our request id is echoed
    expect(res.headers['x-upstream']).toBe('recording')
    expect(res.headers['keep-alive']).not.toBe('timeout=5')
    expect(res.headers['x-request-id']).toBe('rid-123')
  })

  it('calls only the configured upstream, whatever the request says', async () => {
    const before = upstream.requests.length
    const res = await post('/v2/models/rec/infer', oipBody(), { host: 'evil.example:80', 'x-forwarded-host': 'evil.example' })
    expect(res.status).toBe(200)
    expect(upstream.requests.length).toBe(before + 1)
    // A model name that looks like a URL is only ever a (missing) model name.
    const odd = await post('/v2/models/http%3A%2F%2Fevil.example/infer', oipBody())
    expect(odd.status).toBe(404)
  })
})

describe('upstream faults', () => {
  it('504 with a JSON error when the upstream is slower than timeoutMs, counted as timeout', async () => {
    const res = await post('/v2/models/slow/infer', oipBody())
    expect(res.status).toBe(504)
    expect(res.json).toMatchObject({ code: 'HEADLINER_ERR_UPSTREAM_TIMEOUT', error: 'upstream for slow/a did not answer within 200 ms' })
    expect(res.headers['x-headliner-version']).toBe('a')
  })

  it('502 with a JSON error when the upstream refuses connections, counted as connect', async () => {
    const res = await post('/v2/models/down/infer', oipBody())
    expect(res.status).toBe(502)
    expect(res.json.code).toBe('HEADLINER_ERR_UPSTREAM_CONNECT')
    // the caller gets model, version and kind; the address and errno go to the log line only
    expect(String(res.json.error)).toBe('upstream of down/a could not be reached (connect)')
  })

  it('exports the failures in headliner_upstream_errors_total', async () => {
    const text = await (await request(gw.adminUrl + '/metrics')).body.text()
    expect(text).toMatch(/headliner_upstream_errors_total\{model="slow",version="a",kind="timeout"\} [1-9]/)
    expect(text).toMatch(/headliner_upstream_errors_total\{model="down",version="a",kind="connect"\} [1-9]/)
    expect(text).toMatch(/headliner_requests_total\{model="down",version="a",role="primary",route="weight",code="502"\} [1-9]/)
  })
})
