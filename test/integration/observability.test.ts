import { execFileSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { hitPredictorConfig, oipBody, startDemoVersions, startGateway, type TestGateway } from '../helpers/gateway.js'
import type { RunningModelServer } from '../../src/demo/model-server.js'

let models: RunningModelServer[]
let gw: TestGateway

beforeAll(async () => {
  models = await startDemoVersions(['v1', 'v2'])
  gw = await startGateway(hitPredictorConfig({ v1: models[0]!.url, v2: models[1]!.url }, { v1: { weight: 90 }, v2: { weight: 10 } }))
  for (let i = 0; i < 20; i++) {
    const res = await request(gw.url + '/v2/models/hit-predictor/infer', { method: 'POST', body: oipBody(), headers: { authorization: 'Bearer top-secret-token', cookie: 'session=cookie-secret', 'x-user-id': `u${i}` } })
    await res.body.dump()
  }
})

afterAll(async () => {
  await gw.close()
  await Promise.all(models.map((m) => m.close()))
})

async function scrape (): Promise<string> {
  const res = await request(gw.adminUrl + '/metrics')
  expect(res.statusCode).toBe(200)
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/)
  return res.body.text()
}

describe('/metrics', () => {
  it('exposes the foundation metrics with their labels', async () => {
    const text = await scrape()
    expect(text).toMatch(/headliner_requests_total\{model="hit-predictor",version="v1",role="primary",route="sticky",code="200"\} \d+/)
    expect(text).toMatch(/headliner_request_duration_seconds_bucket\{le="0\.25",model="hit-predictor",version="v1",role="primary"\} \d+/)
    expect(text).toMatch(/headliner_upstream_duration_seconds_count\{model="hit-predictor",version="v1",role="primary"\} \d+/)
    expect(text).toMatch(/headliner_inflight_requests\{model="hit-predictor"\} 0/)
    expect(text).toMatch(/headliner_route_weight_percent\{model="hit-predictor",version="v1"\} 90/)
    expect(text).toMatch(/headliner_route_weight_percent\{model="hit-predictor",version="v2"\} 10/)
    expect(text).toMatch(/headliner_version_ready\{model="hit-predictor",version="v2"\} 1/)
    expect(text).toContain('# TYPE headliner_upstream_errors_total counter')
    // 20 requests were answered, whatever the split
    const counts = [...text.matchAll(/headliner_requests_total\{[^}]*code="200"\} (\d+)/g)].map((m) => Number(m[1]))
    expect(counts.reduce((a, b) => a + b, 0)).toBe(20)
  })

  it('passes promtool check metrics (default Node metrics on, minus the three that fail lint)', async () => {
    const text = await scrape()
    expect(text).toContain('process_cpu_seconds_total')
    expect(text).not.toContain('nodejs_active_handles_total')
    // promtool reads the exposition on stdin; a non-zero exit (lint problems) throws with its output.
    const out = execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] })
    expect(out.trim()).toBe('')
  })
})

describe('request logs', () => {
  it('writes one line per inference with request id, model, version, route, status and duration (fastify field names)', () => {
    const lines = gw.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request completed' && l.route !== 'none')
    expect(lines).toHaveLength(20)
    for (const line of lines) {
      expect(line).toMatchObject({ model: 'hit-predictor', route: 'sticky', req: { method: 'POST' }, res: { statusCode: 200 } })
      expect(typeof line.reqId).toBe('string')
      expect(typeof line.responseTime).toBe('number')
      expect(['v1', 'v2']).toContain(line.version)
    }
  })

  it('never writes the authorization header or cookies', () => {
    const all = gw.logs.join('')
    expect(all).not.toContain('top-secret-token')
    expect(all).not.toContain('cookie-secret')
  })
})
