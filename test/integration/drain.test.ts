/**
 * The drain sequence (src/gateway/drain.ts) on real sockets: readiness fails at once, the listener
 * keeps serving for drainDelayMs, in-flight requests finish; and a rolling restart of two gateways
 * behind one port (a small TCP balancer that, like a load balancer, sends new connections only to
 * a backend whose readiness answers 200) loses no request.
 */
import { connect, createServer, type Server, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { request, Agent } from 'undici'
import { drain } from '../../src/gateway/drain.js'
import { oipBody, startDemoVersions, startGateway, type TestGateway } from '../helpers/gateway.js'
import type { RunningModelServer } from '../../src/demo/model-server.js'

let slow: RunningModelServer[]
beforeAll(async () => { slow = await startDemoVersions(['v1'], 100) })
afterAll(async () => { await Promise.all(slow.map((s) => s.close())) })

const config = () => ({ schemaVersion: 1, models: { 'hit-predictor': { versions: { v1: { url: slow[0]!.url, weight: 100 } } } } })
const silent = pino({ level: 'silent' })

async function status (url: string, path: string, init: { method?: 'POST'; body?: string } = {}): Promise<number> {
  const res = await request(url + path, { ...init, headers: { 'content-type': 'application/json' } })
  await res.body.dump()
  return res.statusCode
}

describe('drain', () => {
  it('fails readiness at once, keeps accepting for drainDelayMs, lets in-flight requests finish, then closes', async () => {
    const gw: TestGateway = await startGateway(config())
    expect(await status(gw.url, '/v2/health/ready')).toBe(200)
    const started = Date.now()
    const done = drain(gw.app, { drainDelayMs: 800, graceMs: 5000, log: silent })
    expect(await status(gw.url, '/v2/health/ready')).toBe(503)
    // still accepting new connections and serving inference during the delay
    expect(await status(gw.url, '/v2/models/hit-predictor/infer', { method: 'POST', body: oipBody() })).toBe(200)
    // a request still running when the delay ends (100 ms model, started at ~750 ms) finishes
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 750 - (Date.now() - started))))
    const inflight = status(gw.url, '/v2/models/hit-predictor/infer', { method: 'POST', body: oipBody() })
    expect(await done).toBe('closed')
    expect(await inflight).toBe(200)
    expect(Date.now() - started).toBeGreaterThanOrEqual(800)
    await expect(request(gw.url + '/v2/health/live')).rejects.toThrow()
  })
})

/** A TCP balancer: new connections go to the first backend whose readiness answered 200 last time it was checked (every 100 ms). */
async function startBalancer (backends: () => string[]): Promise<{ url: string; close (): Promise<void> }> {
  const ready = new Map<string, boolean>()
  let stopped = false
  const check = async () => {
    while (!stopped) {
      await Promise.all(backends().map(async (b) => {
        try { ready.set(b, await status(b, '/v2/health/ready') === 200) } catch { ready.set(b, false) }
      }))
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  const checking = check()
  const sockets = new Set<Socket>()
  const server: Server = createServer((client) => {
    const target = backends().find((b) => ready.get(b) === true)
    if (target === undefined) { client.destroy(); return }
    const { port } = new URL(target)
    const upstream = connect(Number(port), '127.0.0.1')
    sockets.add(client).add(upstream)
    client.pipe(upstream).pipe(client)
    const end = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream) }
    client.on('error', end).on('close', end)
    upstream.on('error', end).on('close', end)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}`,
    async close () {
      stopped = true
      await checking
      for (const s of sockets) s.destroy()
      await new Promise((resolve) => server.close(resolve))
    }
  }
}

describe('a rolling restart of two gateways behind one port', () => {
  it('loses no request: every answer the load generator counts is a 200', async () => {
    let a: TestGateway | undefined = await startGateway(config())
    let b: TestGateway | undefined = await startGateway(config())
    const live = () => [a?.url, b?.url].filter((u): u is string => u !== undefined)
    const lb = await startBalancer(live)
    const agent = new Agent({ connections: 8 })
    const counts = new Map<string, number>()
    let stop = false
    const client = async () => {
      while (!stop) {
        let key: string
        try {
          const res = await request(lb.url + '/v2/models/hit-predictor/infer', { method: 'POST', body: oipBody(), headers: { 'content-type': 'application/json' }, dispatcher: agent })
          await res.body.dump()
          key = String(res.statusCode)
        } catch (err) {
          key = (err as { code?: string }).code ?? 'error'
        }
        counts.set(key, (counts.get(key) ?? 0) + 1)
      }
    }
    // wait until the balancer has seen both ready
    await new Promise((resolve) => setTimeout(resolve, 300))
    const load = Promise.all(Array.from({ length: 8 }, client))
    // restart a: drain it, start its replacement; then the same for b
    expect(await drain(a.app, { drainDelayMs: 600, graceMs: 5000, log: silent })).toBe('closed')
    a = await startGateway(config())
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(await drain(b.app, { drainDelayMs: 600, graceMs: 5000, log: silent })).toBe('closed')
    b = await startGateway(config())
    await new Promise((resolve) => setTimeout(resolve, 300))
    stop = true
    await load
    await lb.close()
    await agent.close()
    await a.close()
    await b.close()
    const total = [...counts.values()].reduce((x, y) => x + y, 0)
    expect(total).toBeGreaterThan(20)
    expect(Object.fromEntries(counts)).toEqual({ 200: total })
  })
})
