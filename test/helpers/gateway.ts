/**
 * Test harness: real demo model servers and a real gateway, all on 127.0.0.1 port 0.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { afterAll, beforeAll } from 'vitest'
import { Registry } from 'prom-client'
import { request } from 'undici'
import { buildApp, type App } from '../../src/app.js'
import { ConfigSchema, type Config } from '../../src/config/schema.js'
import { startModelServer, type RunningModelServer } from '../../src/demo/model-server.js'
import { MemoryStore, type StateStore } from '../../src/state/index.js'

export interface TestGateway {
  app: App
  url: string
  adminUrl: string
  logs: string[]
  close (): Promise<void>
}

/** Build and start a gateway for a config object written as in YAML (defaults applied). */
export async function startGateway (raw: unknown, opts: { random?: () => number; probe?: { intervalMs: number; timeoutMs: number }; adminToken?: string; store?: StateStore; replica?: string } = {}): Promise<TestGateway> {
  const config: Config = ConfigSchema.parse(raw)
  config.server.port = 0
  config.server.host = '127.0.0.1'
  config.admin.port = 0
  const logs: string[] = []
  const sink = new Writable({ write (chunk, _enc, cb) { logs.push(String(chunk)); cb() } })
  const logger = pino({ level: 'info', redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie'], censor: '[redacted]' } }, sink)
  const app = await buildApp({ config, logger, registry: new Registry(), random: opts.random, adminToken: opts.adminToken, probe: opts.probe ?? { intervalMs: 60_000, timeoutMs: 1000 }, store: opts.store ?? new MemoryStore(), ...(opts.replica === undefined ? {} : { replica: opts.replica }) })
  await app.start()
  const url = await app.data.listen({ host: '127.0.0.1', port: 0 })
  const adminUrl = await app.admin.listen({ host: '127.0.0.1', port: 0 })
  return { app, url, adminUrl, logs, close: () => app.close() }
}

export async function startDemoVersions (versions: readonly ('v1' | 'v2' | 'v3')[] = ['v1', 'v2', 'v3'], delayMs = 0): Promise<RunningModelServer[]> {
  return Promise.all(versions.map((version) => startModelServer({ version, port: 0, delayMs })))
}

/**
 * For the calling file: demo model servers started in beforeAll (`models`, filled in place), and in
 * afterAll `closers` (gateways, fault servers the tests started) run last-first, then the servers close.
 */
export function useDemoVersions (versions: readonly ('v1' | 'v2' | 'v3')[]): { models: RunningModelServer[]; closers: (() => Promise<unknown>)[] } {
  const demo = { models: [] as RunningModelServer[], closers: [] as (() => Promise<unknown>)[] }
  beforeAll(async () => { demo.models.push(...await startDemoVersions(versions)) })
  afterAll(async () => {
    for (const close of demo.closers.splice(0).reverse()) await close()
    await Promise.all(demo.models.map((m) => m.close()))
  })
  return demo
}

export interface Recorded { method: string; url: string; headers: IncomingMessage['headers']; body: string }

/**
 * An upstream that records what reaches it and answers like an OIP model server (metadata, ready,
 * and a fixed 2-class answer to infer). Used to see exactly what the gateway forwards.
 */
export async function startRecordingUpstream (): Promise<{ url: string; requests: Recorded[]; server: Server; close (): Promise<void> }> {
  const requests: Recorded[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => { body += c.toString() })
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
      res.setHeader('content-type', 'application/json')
      res.setHeader('connection', 'keep-alive')
      res.setHeader('keep-alive', 'timeout=5')
      res.setHeader('x-upstream', 'recording')
      if (req.method === 'GET') {
        res.end(JSON.stringify({ name: 'm', versions: ['1'], platform: 'test', inputs: [], outputs: [] }))
        return
      }
      if (req.url?.includes(':predict') === true) {
        res.end(JSON.stringify({ predictions: [[0.25, 0.75]] }))
        return
      }
      res.end(JSON.stringify({ model_name: 'm', outputs: [{ name: 'p', datatype: 'FP32', shape: [1, 2], data: [0.25, 0.75] }] }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    server,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) })
  }
}

/** A port that nothing listens on (bound, then closed). */
export async function deadPort (): Promise<number> {
  const s = createServer()
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  const { port } = s.address() as AddressInfo
  await new Promise<void>((resolve) => s.close(() => resolve()))
  return port
}

export const SONG_ROW = [0.71, 0.8, 5, -5.2, 1, 0.05, 0.1, 0, 0.12, 0.6, 118, 201000]

export function oipBody (rows: number[][] = [SONG_ROW], id?: string): string {
  return JSON.stringify({ ...(id !== undefined ? { id } : {}), inputs: [{ name: 'song_features', shape: [rows.length, 12], datatype: 'FP32', data: rows.flat() }] })
}

export function hitPredictorConfig (urls: Record<string, string>, versions: Record<string, Record<string, unknown>>, extra: Record<string, unknown> = {}) {
  return {
    schemaVersion: 1,
    models: {
      'hit-predictor': {
        sticky: { header: 'x-user-id' },
        ...extra,
        versions: Object.fromEntries(Object.entries(versions).map(([name, v]) => [name, { url: urls[name], ...v }]))
      }
    }
  }
}

/** The value of the first line of the gateway's /metrics that matches `pattern` (0 when none does). */
export async function metricValue (gw: Pick<TestGateway, 'adminUrl'>, pattern: RegExp): Promise<number> {
  const text = await (await request(gw.adminUrl + '/metrics')).body.text()
  const line = text.split('\n').find((l) => pattern.test(l))
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1))
}
