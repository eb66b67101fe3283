import { renameSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { request } from 'undici'
import { loadConfigFile } from '../../src/config/load.js'
import { serve, type RunningGateway } from '../../src/cli/serve.js'
import { GOOD_ANSWER } from '../helpers/fault-server.js'
import { deadPort } from '../helpers/gateway.js'
import { until } from '../helpers/wait.js'
import { configYaml, writeTempConfig } from '../helpers/cli.js'

// Regression: a reload that changed a version's URL made the version not ready until the new URL was
// probed, so requests in between got 503 "no ready version" (about 5 % under steady load). The old
// target must keep serving until the new one passes its probe, and keep serving if it never does.

/** An upstream that counts the inference calls it answers; its probes answer after `probeDelayMs` (a model still warming up). */
interface Counted { url: string; infers: () => number; sockets: () => number; close (): Promise<void> }

async function startCounted (probeDelayMs: number): Promise<Counted> {
  let infers = 0
  const server: Server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.setHeader('content-type', 'application/json')
      if (req.method === 'GET') {
        setTimeout(() => { res.end(JSON.stringify({ name: 'm', versions: ['1'], platform: 'test', inputs: [], outputs: [] })) }, probeDelayMs)
        return
      }
      infers++
      res.end(GOOD_ANSWER)
    })
  })
  // Idle connections stay open (node's default closes them after 5 s): only the gateway closes them.
  server.keepAliveTimeout = 60_000
  let sockets = 0
  server.on('connection', (socket) => { sockets++; socket.on('close', () => { sockets-- }) })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    infers: () => infers,
    sockets: () => sockets,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) })
  }
}

const INFER = JSON.stringify({ inputs: [{ name: 'x', shape: [1, 2], datatype: 'FP32', data: [1, 2] }] })
const models = (url: string) => ({ m: { versions: { v1: { url, weight: 100 } } } })

let a: Counted
let b: Counted
let gw: RunningGateway
let file: string
const logs: string[] = []

/** Write the file the way editors and ConfigMaps do: a new file renamed over the old one. */
function replaceFile (url: string): void {
  writeFileSync(file + '.tmp', configYaml(models(url)) + 'probe:\n  intervalMs: 200\n  timeoutMs: 1000\n')
  renameSync(file + '.tmp', file)
}

/** Steady load: one request every 25 ms (40 req/s, two at a time at most), counting every answer that is not a 200. */
function steadyLoad () {
  const failures: string[] = []
  let sent = 0
  let running = true
  const one = async () => {
    sent++
    try {
      const res = await request(gw.dataUrl + '/v2/models/m/infer', { method: 'POST', body: INFER, headers: { 'content-type': 'application/json' } })
      const text = await res.body.text()
      if (res.statusCode !== 200) failures.push(`${res.statusCode} ${text}`)
    } catch (err) {
      failures.push((err as Error).message)
    }
  }
  const loop = (async () => {
    const inFlight = new Set<Promise<void>>()
    while (running) {
      const p = one().finally(() => inFlight.delete(p))
      inFlight.add(p)
      if (inFlight.size >= 2) await Promise.race(inFlight)
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    await Promise.all(inFlight)
  })()
  return { failures, sent: () => sent, stop: async () => { running = false; await loop } }
}

/** Wait until `count` grows by `n` from now. */
const grows = async (count: () => number, n: number, ms = 15_000) => { const from = count(); await until(() => count() >= from + n, ms) }

beforeAll(async () => {
  // B's probe answers only after 400 ms: long enough that requests arrive while it is probed.
  ;[a, b] = await Promise.all([startCounted(0), startCounted(400)])
  file = writeTempConfig('headliner-reload-url-', models(a.url))
  writeFileSync(file, configYaml(models(a.url)) + 'probe:\n  intervalMs: 200\n  timeoutMs: 1000\n')
  const loaded = loadConfigFile(file)
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'))
  gw = await serve(loaded.config, pino(new Writable({ write (c, _e, cb) { logs.push(String(c)); cb() } })), { version: 'test', file })
})

afterAll(async () => {
  await gw.close()
  await Promise.all([a.close(), b.close()])
})

const versionReady = async () => (await request(gw.dataUrl + '/v2/models/m/versions/v1/ready')).body.json() as Promise<{ ready: boolean; reason: string }>
const metrics = async () => (await request(gw.adminUrl + '/metrics')).body.text()

describe('a reload that moves a version to another URL', () => {
  it('keeps the old upstream serving until the new one is ready, then moves the traffic: no failed request', async () => {
    const load = steadyLoad()
    await grows(a.infers, 20)
    replaceFile(b.url)
    // The traffic moves to B once B passed its probe...
    await grows(b.infers, 20)
    // ...and A gets nothing more.
    const aAfter = a.infers()
    await grows(b.infers, 40)
    await load.stop()
    expect(a.infers()).toBe(aAfter)
    expect(load.failures).toEqual([])
    expect(load.sent()).toBeGreaterThan(60)
    expect((await versionReady()).reason).toBe('ready')
    expect(await metrics()).toContain('headliner_version_upstream_pending{model="m",version="v1"} 0')
    // A's pools (traffic and probes) are closed once its requests are done, not left to keep-alive (30 s).
    await until(() => a.sockets() === 0, 8_000)
  })

  it('keeps the old upstream serving when the new URL never answers, and says so', async () => {
    const load = steadyLoad()
    const nowhere = `http://127.0.0.1:${await deadPort()}`
    replaceFile(nowhere)
    await until(async () => (await versionReady()).reason.includes(nowhere), 15_000)
    // Several probes of the dead URL later, B still answers every request.
    await grows(b.infers, 60)
    await load.stop()
    expect(load.failures).toEqual([])
    const detail = await versionReady()
    expect(detail.ready).toBe(true)
    expect(detail.reason).toContain(`serving the previous upstream ${b.url}`)
    expect(await metrics()).toContain('headliner_version_upstream_pending{model="m",version="v1"} 1')
    expect(logs.some((l) => l.includes('new upstream not ready') && l.includes(nowhere))).toBe(true)
  })
})
