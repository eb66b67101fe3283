import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startGateway, startRecordingUpstream, type TestGateway } from '../helpers/gateway.js'

// Regression (issue 14.6): JSON.parse keeps the last of two "inputs", the gateway validated that one
// and forwarded the original bytes, so a first-key-wins upstream (Triton) saw the unvalidated tensor.
type Recording = Awaited<ReturnType<typeof startRecordingUpstream>>
let upstream: Recording
let gw: TestGateway

beforeAll(async () => {
  upstream = await startRecordingUpstream()
  gw = await startGateway({ schemaVersion: 1, server: { bodyLimitBytes: 1_048_576 }, models: { rec: { versions: { a: { url: upstream.url, weight: 100 } } } } })
})

afterAll(async () => {
  await gw.close()
  await upstream.close()
})

const inferCount = () => upstream.requests.filter((r) => r.method === 'POST').length
const bad = '[{"name":"x","shape":[1],"datatype":"FP32","data":["not a number"]}]'
const good = '[{"name":"x","shape":[1],"datatype":"FP32","data":[1]}]'

async function post (path: string, body: string) {
  const res = await request(gw.url + path, { method: 'POST', body, headers: { 'content-type': 'application/json' } })
  return { status: res.statusCode, json: await res.body.json() as Record<string, unknown> }
}

describe('duplicate JSON keys never reach an upstream', () => {
  const cases: [string, string, string, RegExp][] = [
    ['two "inputs", the invalid one first', '/v2/models/rec/infer', `{"inputs":${bad},"inputs":${good}}`, /duplicate key "inputs" in \(body\)/],
    ['two "data" in one input', '/v2/models/rec/infer', '{"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":["x"],"data":[1]}]}', /duplicate key "data" in inputs\[0\]/],
    ['an escaped copy of "inputs"', '/v2/models/rec/infer', `{"inputs":${bad},"\\u0069nputs":${good}}`, /duplicate key "inputs"/],
    ['two "instances" (v1)', '/v1/models/rec:predict', '{"instances":[["x"]],"instances":[[1, 2]]}', /duplicate key "instances" in \(body\)/],
    ['a repeated named feature (v1)', '/v1/models/rec:predict', '{"instances":[{"a":1},{"a":1,"a":"x"}]}', /duplicate key "a" in instances\[1\]/]
  ]
  for (const [name, path, body, message] of cases) {
    it(`400 for ${name}`, async () => {
      const before = inferCount()
      const res = await post(path, body)
      expect(res.status).toBe(400)
      expect(res.json.code).toBe('HEADLINER_ERR_BAD_REQUEST')
      expect(String(res.json.error)).toMatch(message)
      expect(inferCount()).toBe(before)
    })
  }

  it('still forwards a body whose keys are unique, byte for byte', async () => {
    const body = `{"id":"r1","inputs":${good},"parameters":{"inputs":1}}`
    const res = await post('/v2/models/rec/infer', body)
    expect(res.status).toBe(200)
    expect(upstream.requests.at(-1)?.body).toBe(body)
  })
})

describe('deeply nested data (a 500 from the recursive validator before)', () => {
  it('400 JSON for 200,000 nested arrays, nothing forwarded', async () => {
    const before = inferCount()
    const res = await post('/v2/models/rec/infer', `{"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":${'['.repeat(200_000)}1${']'.repeat(200_000)}}]}`)
    expect(res.status).toBe(400)
    expect(String(res.json.error)).toMatch(/inputs\[0\]\.data\[0\]: nested deeper than the shape \[1\]/)
    expect(inferCount()).toBe(before)
  })
})
