import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, type Socket } from 'node:net'
import { startGateway, startRecordingUpstream, type TestGateway } from '../helpers/gateway.js'
import { until } from '../helpers/wait.js'

// Regressions (issue 14.8 and the weak points after it): a body that never arrives was never timed
// out, a request with two Host headers was accepted, and there was no cap on open connections.
type Recording = Awaited<ReturnType<typeof startRecordingUpstream>>
let upstream: Recording
let gw: TestGateway
let port: number
const MAX_CONNECTIONS = 40
const REQUEST_TIMEOUT_MS = 600
const HEADERS_TIMEOUT_MS = 400

interface Conn { socket: Socket; received: string; closed: boolean }
const open: Conn[] = []

/** A raw TCP connection to the gateway (node:http and undici cannot send half a request). */
function dial (): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const conn: Conn = { socket, received: '', closed: false }
    open.push(conn)
    socket.on('data', (c: Buffer) => { conn.received += c.toString('latin1') })
    socket.on('close', () => { conn.closed = true })
    socket.on('error', () => { /* a refused or reset connection is what some tests expect */ })
    socket.once('connect', () => resolve(conn))
    socket.once('error', reject)
  })
}

const get = (extra = '') => `GET /v2/health/live HTTP/1.1\r\nHost: gw\r\n${extra}\r\n`

beforeAll(async () => {
  upstream = await startRecordingUpstream()
  gw = await startGateway({
    schemaVersion: 1,
    server: { requestTimeoutMs: REQUEST_TIMEOUT_MS, headersTimeoutMs: HEADERS_TIMEOUT_MS, maxConnections: MAX_CONNECTIONS },
    models: { rec: { versions: { a: { url: upstream.url, weight: 100 } } } }
  })
  port = Number(new URL(gw.url).port)
})

afterAll(async () => {
  for (const c of open) c.socket.destroy()
  await gw.close()
  await upstream.close()
})

describe('a request that never finishes arriving is timed out', () => {
  it('closes 20 connections that sent half a body, within the request timeout plus a generous margin', async () => {
    const conns = await Promise.all(Array.from({ length: 20 }, () => dial()))
    const started = Date.now()
    for (const c of conns) c.socket.write('POST /v2/models/rec/infer HTTP/1.1\r\nHost: gw\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"inputs":')
    await until(() => conns.every((c) => c.closed), 10_000)
    expect(Date.now() - started).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50)
    for (const c of conns) expect(c.received === '' || c.received.startsWith('HTTP/1.1 408')).toBe(true)
    expect(upstream.requests.filter((r) => r.method === 'POST')).toHaveLength(0)
  })

  it('closes a connection whose headers never end, within the header timeout plus a margin', async () => {
    const c = await dial()
    const started = Date.now()
    c.socket.write('POST /v2/models/rec/infer HTTP/1.1\r\nHost: gw\r\n')
    await until(() => c.closed, 10_000)
    expect(Date.now() - started).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50)
  })

  it('leaves a complete request alone', async () => {
    const c = await dial()
    c.socket.write(get())
    await until(() => c.received.includes('"live"'), 10_000)
    expect(c.received).toMatch(/^HTTP\/1\.1 200/)
    c.socket.destroy()
  })
})

describe('Host', () => {
  it('400 JSON for two Host headers (RFC 9112 section 3.2)', async () => {
    const c = await dial()
    c.socket.write(get('Host: other\r\n'))
    await until(() => c.received.includes('}'), 10_000)
    expect(c.received).toMatch(/^HTTP\/1\.1 400/)
    const body = JSON.parse(c.received.slice(c.received.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>
    expect(body.code).toBe('HEADLINER_ERR_BAD_REQUEST')
    expect(String(body.error)).toMatch(/Host header 2 times/)
    c.socket.destroy()
  })
})

describe('open connections are capped', () => {
  it(`serves ${MAX_CONNECTIONS} keep-alive connections and closes connection ${MAX_CONNECTIONS + 1} unanswered`, async () => {
    // Start from no open connection, as the server counts them (closes from earlier tests may lag).
    await until(() => open.every((c) => c.closed), 10_000)
    const serverConnections = () => new Promise<number>((resolve, reject) => { gw.app.data.server.getConnections((err, n) => { if (err !== null) reject(err); else resolve(n) }) })
    await until(async () => (await serverConnections()) === 0, 10_000)
    const held = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, () => dial()))
    for (const c of held) c.socket.write(get())
    await until(() => held.every((c) => c.received.includes('"live"')), 10_000)
    const extra = await dial()
    extra.socket.write(get())
    await until(() => extra.closed, 10_000)
    expect(extra.received).toBe('')
    // The cap is on open connections: once one closes, a new one is served.
    held[0]!.socket.destroy()
    await until(async () => {
      const again = await dial().catch(() => undefined)
      if (again === undefined) return false
      again.socket.write(get())
      await until(() => again.closed || again.received.includes('"live"'), 5000)
      again.socket.destroy()
      return again.received.includes('"live"')
    }, 10_000)
    for (const c of held) c.socket.destroy()
  })
})
