/**
 * Readiness probing under faults and load, on real sockets: one wedged upstream does not freeze
 * the readiness of another model, a slow model under load stays ready (probes have their own pool),
 * and a ready version needs 3 failed probes in a row to be marked not ready.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { oipBody, startDemoVersions, startGateway, type TestGateway } from '../helpers/gateway.js'
import { until } from '../helpers/wait.js'
import type { RunningModelServer } from '../../src/demo/model-server.js'

const closers: (() => Promise<void>)[] = []
afterAll(async () => { for (const close of closers.reverse()) await close() })

async function listen (server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closers.push(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function versionReady (gw: TestGateway, model: string, version: string): Promise<boolean> {
  const res = await request(`${gw.url}/v2/models/${model}/versions/${version}/ready`)
  await res.body.dump()
  return res.statusCode === 200
}

describe('probes are independent and bounded', () => {
  let ready = true
  let probes = 0
  let gw: TestGateway

  beforeAll(async () => {
    // Model "wedged": its upstream answers the first probe, then accepts every request and never answers.
    let wedged = false
    const wedgedUrl = await listen(createServer((req, res) => {
      if (wedged) return
      wedged = true
      req.resume()
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ name: 'wedged', versions: ['1'], platform: 'test', inputs: [], outputs: [] }))
    }))
    // Model "flaky": answers ready or 503 as the test says, and counts its readiness probes.
    const flakyUrl = await listen(createServer((req, res) => {
      req.resume()
      res.setHeader('content-type', 'application/json')
      if (req.url?.endsWith('/ready') === true) {
        probes++
        res.statusCode = ready ? 200 : 503
      }
      res.end(JSON.stringify({ name: 'flaky', versions: ['1'], platform: 'test', inputs: [], outputs: [] }))
    }))
    gw = await startGateway({ schemaVersion: 1, models: { wedged: { versions: { a: { url: wedgedUrl, weight: 100 } } }, flaky: { versions: { a: { url: flakyUrl, weight: 100 } } } } }, { probe: { intervalMs: 100, timeoutMs: 300 } })
    closers.push(() => gw.close())
  })

  it('a wedged upstream does not freeze another model\'s readiness; down after 3 failed probes, back after 1 good one', async () => {
    expect(await versionReady(gw, 'flaky', 'a')).toBe(true)
    await until(async () => !(await versionReady(gw, 'wedged', 'a')), 10_000)
    ready = false
    const failedFrom = probes
    await until(async () => !(await versionReady(gw, 'flaky', 'a')), 10_000)
    // hysteresis: it took at least 3 failed probes (each probe round of "flaky" asks /ready once)
    expect(probes - failedFrom).toBeGreaterThanOrEqual(3)
    ready = true
    await until(() => versionReady(gw, 'flaky', 'a'), 10_000)
    expect(await versionReady(gw, 'wedged', 'a')).toBe(false)
  })
})

describe('load alone does not take a healthy model offline', () => {
  let slow: RunningModelServer[]
  let gw: TestGateway

  beforeAll(async () => {
    slow = await startDemoVersions(['v1'], 200)
    closers.push(() => Promise.all(slow.map((s) => s.close())).then(() => {}))
    // 200 concurrent clients over 32 connections queue for ~1.2 s: far past the 300 ms probe timeout.
    gw = await startGateway({ schemaVersion: 1, models: { 'hit-predictor': { timeoutMs: 5000, versions: { v1: { url: slow[0]!.url, weight: 100, connections: 32 } } } } }, { probe: { intervalMs: 100, timeoutMs: 300 } })
    closers.push(() => gw.close())
  })

  it('a 200 ms model under 200 concurrent clients stays ready (probes have their own connections)', async () => {
    const end = Date.now() + 2500
    const statuses = new Map<number, number>()
    const client = async () => {
      while (Date.now() < end) {
        const res = await request(gw.url + '/v2/models/hit-predictor/infer', { method: 'POST', body: oipBody(), headers: { 'content-type': 'application/json' } })
        await res.body.dump()
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
      }
    }
    let unready = 0
    const watch = async () => {
      while (Date.now() < end) {
        if (!(await versionReady(gw, 'hit-predictor', 'v1'))) unready++
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
    await Promise.all([...Array.from({ length: 200 }, client), watch()])
    expect(statuses.get(503) ?? 0).toBe(0)
    expect(unready).toBe(0)
    expect(statuses.get(200)).toBeGreaterThan(200)
  })
})
