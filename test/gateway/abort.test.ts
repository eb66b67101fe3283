import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { oipBody, startDemoVersions, startGateway, type TestGateway } from '../helpers/gateway.js'
import type { RunningModelServer } from '../../src/demo/model-server.js'

let slow: RunningModelServer[]
let gw: TestGateway

beforeAll(async () => {
  slow = await startDemoVersions(['v1'], 300)
  gw = await startGateway({ schemaVersion: 1, models: { 'hit-predictor': { versions: { v1: { url: slow[0]!.url, weight: 100 } } } } })
})
afterAll(async () => {
  await gw.close()
  await Promise.all(slow.map((s) => s.close()))
})

describe('a client that gives up', () => {
  it('does not leave the in-flight gauge raised', async () => {
    const controller = new AbortController()
    const pending = request(gw.url + '/v2/models/hit-predictor/infer', { method: 'POST', body: oipBody(), signal: controller.signal })
    await new Promise((resolve) => setTimeout(resolve, 50))
    controller.abort()
    await expect(pending).rejects.toThrow()
    // wait for the upstream answer to arrive and be dropped
    await new Promise((resolve) => setTimeout(resolve, 500))
    const text = await (await request(gw.adminUrl + '/metrics')).body.text()
    expect(text).toMatch(/headliner_inflight_requests\{model="hit-predictor"\} 0/)
    // the gateway still serves
    const ok = await request(gw.url + '/v2/models/hit-predictor/infer', { method: 'POST', body: oipBody() })
    expect(ok.statusCode).toBe(200)
    await ok.body.dump()
  })
})
