import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { listening, spawnHeadliner, writeTempConfig } from '../helpers/cli.js'
import { oipBody, startDemoVersions } from '../helpers/gateway.js'
import type { RunningModelServer } from '../../src/demo/model-server.js'

let slow: RunningModelServer[]

beforeAll(async () => {
  slow = await startDemoVersions(['v1'], 800)
})
afterAll(async () => { await Promise.all(slow.map((s) => s.close())) })

describe('SIGTERM', () => {
  it('stops accepting, finishes the request in flight, then exits 0', async () => {
    const config = writeTempConfig('headliner-shutdown-', { 'hit-predictor': { versions: { v1: { url: slow[0]!.url, weight: 100 } } } })
    const gw = await spawnHeadliner(['serve', '--config', config], listening)
    const url = gw.data

    const inflight = request(url + '/v2/models/hit-predictor/infer', { method: 'POST', body: oipBody() })
    await new Promise((resolve) => setTimeout(resolve, 200))
    gw.child.kill('SIGTERM')
    const res = await inflight
    expect(res.statusCode).toBe(200)
    expect(((await res.body.json()) as { outputs: unknown[] }).outputs).toHaveLength(1)
    expect(await gw.exited).toBe(0)
    await expect(request(url + '/v2/health/live')).rejects.toThrow()
    expect(gw.out()).toContain('draining in-flight requests')
  })
})
