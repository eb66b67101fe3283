/**
 * A 200 that is not a prediction, from a version without a transform (passed through as it came):
 * before, every one reached the caller as a 200. Now an answer the gateway holds whole is checked
 * against its protocol and the upstream's metadata: 502 `HEADLINER_ERR_INVALID_PREDICTION` (or
 * `_PROTOCOL` when it is not JSON), counted, fed to ejection. Valid answers pass byte for byte, and
 * an answer streamed through is never parsed.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { metricValue, oipBody, startGateway, type TestGateway } from '../helpers/gateway.js'

/** Answers to the infer call, by the request's `x-answer` header (forwarded end to end). */
const ANSWERS: Record<string, string> = {
  good: '{"model_name":"m","outputs":[{"name":"p","datatype":"FP32","shape":[1,2],"data":[0.25,0.75]}]}',
  nested: '{"model_name":"m","outputs":[{"name":"p","datatype":"FP32","shape":[1,2],"data":[[0.25,0.75]]}]}',
  binary: '{"model_name":"m","outputs":[{"name":"p","datatype":"FP32","shape":[1,2],"parameters":{"binary_data_size":8}}]}',
  bytes: '{"model_name":"m","outputs":[{"name":"p","datatype":"FP32","shape":[1,2],"data":[0.25,0.75]},{"name":"label","datatype":"BYTES","shape":[1],"data":["hit"]}]}',
  'not-oip': '{"error":"model warming up"}',
  'short-data': '{"model_name":"m","outputs":[{"name":"p","datatype":"FP32","shape":[1,2],"data":[0.25,0.75,0.5]}]}',
  'string-nan': '{"model_name":"m","outputs":[{"name":"p","datatype":"FP32","shape":[1,2],"data":["NaN",0.75]}]}',
  overflow: '{"model_name":"m","outputs":[{"name":"p","datatype":"FP32","shape":[1,2],"data":[1e400,0.75]}]}',
  'python-nan': '{"model_name":"m","outputs":[{"name":"p","datatype":"FP32","shape":[1,2],"data":[NaN,0.75]}]}',
  'against-metadata': '{"model_name":"m","outputs":[{"name":"p","datatype":"FP32","shape":[1,3],"data":[0.2,0.3,0.5]}]}',
  'v1-good': '{"predictions":[[0.25,0.75]]}',
  'v1-count': '{"predictions":[[0.25,0.75],[0.5,0.5]]}'
}
const METADATA = JSON.stringify({ name: 'm', versions: ['1'], platform: 'test', inputs: [], outputs: [{ name: 'p', datatype: 'FP32', shape: [-1, 2] }] })

let server: Server
let url: string
const closers: (() => Promise<void>)[] = []

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.setHeader('content-type', 'application/json')
      if (req.method === 'GET') { res.end(METADATA); return }
      const which = String(req.headers['x-answer'] ?? 'good')
      if (which === 'large-invalid') {
        // announced larger than the small-answer size and nobody observes it: streamed through
        const body = '{"not":"oip","pad":"' + 'x'.repeat(100 * 1024) + '"}'
        res.setHeader('content-length', Buffer.byteLength(body))
        res.end(body)
        return
      }
      res.end(ANSWERS[which])
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  for (const close of closers.reverse()) await close()
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

async function gateway (versions: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<TestGateway> {
  const gw = await startGateway({ schemaVersion: 1, models: { m: { ...extra, versions } } })
  closers.push(() => gw.close())
  return gw
}

async function post (gw: TestGateway, path: string, body: string, answer: string) {
  const res = await request(gw.url + path, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-answer': answer } })
  return { status: res.statusCode, text: await res.body.text() }
}

const metric = metricValue

describe('OIP answers passed through', () => {
  let gw: TestGateway
  beforeAll(async () => { gw = await gateway({ v1: { url, weight: 100 } }, { outlier: { failures: 1000 } }) })
  const infer = (answer: string) => post(gw, '/v2/models/m/infer', oipBody(), answer)

  for (const answer of ['good', 'nested', 'binary', 'bytes']) {
    it(`a valid answer (${answer}) passes byte for byte`, async () => {
      expect(await infer(answer)).toEqual({ status: 200, text: ANSWERS[answer] })
    })
  }

  const invalid: [string, RegExp][] = [
    ['not-oip', /outputs: missing/],
    ['short-data', /outputs\[0\]\.data: 3 values, the shape \[1,2\] needs 2/],
    ['string-nan', /outputs\[0\]\.data: value 0 \(row-major\) is string "NaN", not FP32/],
    ['overflow', /value 0 \(row-major\) is Infinity, not FP32/],
    ['against-metadata', /outputs\[0\]\.shape: \[1,3\] contradicts the model's metadata \[-1,2\]/]
  ]
  for (const [answer, message] of invalid) {
    it(`${answer}: 502 invalid prediction naming the place, counted`, async () => {
      const before = await metric(gw, /^headliner_upstream_errors_total\{model="m",version="v1",kind="invalid_prediction"\}/)
      const r = await infer(answer)
      expect(r.status).toBe(502)
      expect(JSON.parse(r.text)).toMatchObject({ code: 'HEADLINER_ERR_INVALID_PREDICTION', error: expect.stringMatching(message) })
      expect(await metric(gw, /^headliner_upstream_errors_total\{model="m",version="v1",kind="invalid_prediction"\}/)).toBe(before + 1)
      expect(await metric(gw, /^headliner_requests_total\{model="m",version="v1",[^}]*code="502"\}/)).toBeGreaterThanOrEqual(1)
    })
  }

  it('NaN written as a bare literal (Python\'s json default) is not JSON: 502 protocol, counted', async () => {
    const r = await infer('python-nan')
    expect(r.status).toBe(502)
    expect(JSON.parse(r.text)).toMatchObject({ code: 'HEADLINER_ERR_UPSTREAM_PROTOCOL' })
    expect(await metric(gw, /^headliner_upstream_errors_total\{model="m",version="v1",kind="protocol"\}/)).toBe(1)
  })

  it('an answer streamed through (over 64 KiB, not observed) is not parsed: it passes as it came', async () => {
    const r = await infer('large-invalid')
    expect(r.status).toBe(200)
    expect(r.text.startsWith('{"not":"oip"')).toBe(true)
  })
})

describe('KServe v1 answers', () => {
  it('passed through: one prediction per instance, else 502', async () => {
    const gw = await gateway({ v1: { url, weight: 100 } })
    const body = JSON.stringify({ instances: [[1, 2, 3]] })
    expect(await post(gw, '/v1/models/m:predict', body, 'v1-good')).toEqual({ status: 200, text: ANSWERS['v1-good'] })
    const r = await post(gw, '/v1/models/m:predict', body, 'v1-count')
    expect(r.status).toBe(502)
    expect(JSON.parse(r.text)).toMatchObject({ code: 'HEADLINER_ERR_INVALID_PREDICTION', error: expect.stringMatching(/predictions: 2 for 1 instances sent/) })
  })

  it('bridged to an OIP-only upstream: an answer that is not OIP is an invalid prediction, counted', async () => {
    const gw = await gateway({ v1: { url, weight: 100, protocol: 'v2' } })
    const body = JSON.stringify({ instances: [[1, 2, 3]] })
    expect(JSON.parse((await post(gw, '/v1/models/m:predict', body, 'good')).text)).toEqual({ predictions: [[0.25, 0.75]] })
    const r = await post(gw, '/v1/models/m:predict', body, 'not-oip')
    expect(r.status).toBe(502)
    expect(JSON.parse(r.text)).toMatchObject({ code: 'HEADLINER_ERR_INVALID_PREDICTION' })
    expect(await metric(gw, /^headliner_upstream_errors_total\{model="m",version="v1",kind="invalid_prediction"\}/)).toBe(1)
  })
})

it('invalid answers feed ejection: after 5 the version leaves rotation and the other serves', async () => {
  const gw = await gateway({ a: { url, weight: 50 }, b: { url, weight: 50 } })
  // pinned to a, so the failures are a's alone; then unpinned traffic must all go to b
  for (let i = 0; i < 5; i++) expect((await post(gw, '/v2/models/m/versions/a/infer', oipBody(), 'not-oip')).status).toBe(502)
  expect(await metric(gw, /^headliner_version_ejected\{model="m",version="a"\}/)).toBe(1)
  for (let i = 0; i < 10; i++) {
    const res = await request(gw.url + '/v2/models/m/infer', { method: 'POST', body: oipBody(), headers: { 'content-type': 'application/json' } })
    await res.body.dump()
    expect(res.headers['x-headliner-version']).toBe('b')
  }
})
