import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { oipBody, startDemoVersions, startGateway, type TestGateway } from '../helpers/gateway.js'
import type { RunningModelServer } from '../../src/demo/model-server.js'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { until } from '../helpers/wait.js'

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

describe('a client that gives up on a large streamed answer', () => {
  let big: Server
  let bigGw: TestGateway
  const writing = new Set<ServerResponse>()
  let closed = 0

  beforeAll(async () => {
    // An upstream whose answer to infer never ends (it announces 1 TB): the gateway streams it through.
    big = createServer((req, res) => {
      if (req.method === 'GET') {
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify({ name: 'big', versions: ['1'], platform: 'test', inputs: [], outputs: [] }))
        return
      }
      req.resume()
      writing.add(res)
      res.on('close', () => { writing.delete(res); closed++ })
      res.setHeader('content-type', 'application/json')
      res.setHeader('content-length', String(1e12))
      const chunk = Buffer.alloc(64 * 1024, 32)
      const pump = () => { while (!res.destroyed && res.write(chunk)); }
      res.on('drain', pump)
      // The answer starts late when asked to: the client may leave before the headers arrive.
      if (req.headers['x-delay'] !== undefined) setTimeout(pump, Number(req.headers['x-delay']))
      else pump()
    })
    await new Promise<void>((resolve) => big.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(big.address() as AddressInfo).port}`
    bigGw = await startGateway({ schemaVersion: 1, models: { big: { timeoutMs: 120_000, versions: { a: { url, weight: 100 } } } } })
  })
  afterAll(async () => {
    await bigGw.close()
    big.closeAllConnections()
    await new Promise((resolve) => big.close(resolve))
  })

  it('cancels a streamed answer mid-body and frees its connection', async () => {
    const controller = new AbortController()
    const res = await request(bigGw.url + '/v2/models/big/infer', { method: 'POST', body: oipBody(), signal: controller.signal })
    expect(res.statusCode).toBe(200)
    res.body.on('error', () => {})
    await until(() => writing.size === 1, 10_000)
    controller.abort()
    // Far below the model's 120 s deadline: only the client's abort can end the upstream answer.
    await until(() => writing.size === 0, 10_000)
    const text = await (await request(bigGw.adminUrl + '/metrics')).body.text()
    expect(text).toMatch(/headliner_inflight_requests\{model="big"\} 0/)
  })

  it('cancels the upstream call when the client leaves before the headers (regression: the answer was never read, its socket held forever)', async () => {
    const before = closed
    const controller = new AbortController()
    const pending = request(bigGw.url + '/v2/models/big/infer', { method: 'POST', body: oipBody(), headers: { 'x-delay': '300' }, signal: controller.signal })
    await until(() => writing.size === 1, 10_000)
    controller.abort()
    await expect(pending).rejects.toThrow()
    await until(() => closed === before + 1 && writing.size === 0, 10_000)
  })
})

describe('abandoned requests with large answers and a pool of 8 connections', () => {
  let server: Server
  let gw8: TestGateway
  let answered = 0

  beforeAll(async () => {
    // Every answer is 256 KiB (past the small-answer size, so it would stream), after 300 ms.
    const body = Buffer.alloc(256 * 1024, 32)
    server = createServer((req, res) => {
      req.resume()
      res.setHeader('content-type', 'application/json')
      if (req.method === 'GET') {
        res.end(JSON.stringify({ name: 'big', versions: ['1'], platform: 'test', inputs: [], outputs: [] }))
        return
      }
      setTimeout(() => {
        res.setHeader('content-length', String(body.length))
        res.end(body, () => { answered++ })
      }, Number(req.headers['x-delay'] ?? 300))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    gw8 = await startGateway({ schemaVersion: 1, models: { big: { timeoutMs: 30_000, versions: { a: { url, weight: 100, connections: 8 } } } } })
  })
  afterAll(async () => {
    await gw8.close()
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  it('40 abandoned requests do not exhaust the pool: later requests all succeed, nothing stays in flight', async () => {
    const abandoned = Array.from({ length: 40 }, async () => {
      const controller = new AbortController()
      const pending = request(gw8.url + '/v2/models/big/infer', { method: 'POST', body: oipBody(), signal: controller.signal })
      setTimeout(() => { controller.abort() }, 50)
      await pending.then((res) => res.body.dump(), () => {})
    })
    await Promise.all(abandoned)
    // Far below the 30 s deadline: only freed connections can serve these in time.
    const later = await Promise.all(Array.from({ length: 16 }, async () => {
      const res = await request(gw8.url + '/v2/models/big/infer', { method: 'POST', body: oipBody(), headers: { 'x-delay': '0' }, headersTimeout: 10_000, bodyTimeout: 10_000 })
      return { status: res.statusCode, bytes: (await res.body.arrayBuffer()).byteLength }
    }))
    expect(later).toEqual(Array(16).fill({ status: 200, bytes: 256 * 1024 }))
    await until(async () => /headliner_inflight_requests\{model="big"\} 0/.test(await (await request(gw8.adminUrl + '/metrics')).body.text()), 10_000)
    expect(answered).toBeGreaterThanOrEqual(16)
  })
})
