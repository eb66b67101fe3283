import type { ChildProcess } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { listening, spawnHeadliner, writeTempConfig } from '../helpers/cli.js'
import { oipBody, startRecordingUpstream } from '../helpers/gateway.js'

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c'
const INCOMING = `00-${TRACE_ID}-b7ad6b7169203331-01`

let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>
let collector: Server
const exported: { resourceSpans?: { scopeSpans?: { spans?: { traceId: string; name: string; kind: number }[] }[] }[] }[] = []
let child: ChildProcess
let url: string

beforeAll(async () => {
  upstream = await startRecordingUpstream()
  // A real OTLP/HTTP (JSON) endpoint: it keeps what the gateway's exporter posts to /v1/traces.
  collector = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => { body += c.toString() })
    req.on('end', () => {
      if (req.url === '/v1/traces') exported.push(JSON.parse(body) as (typeof exported)[number])
      res.setHeader('content-type', 'application/json')
      res.end('{}')
    })
  })
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve))
  const collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`
  const config = writeTempConfig('headliner-otel-', { m: { versions: { a: { url: upstream.url, weight: 100 } } } })
  const gw = await spawnHeadliner(['serve', '--config', config], (out) => { const l = listening(out); return l?.tracing === true ? l : undefined },
    { OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_SERVICE_NAME: 'headliner-test' })
  child = gw.child
  url = gw.data
})

afterAll(async () => {
  child?.kill('SIGTERM')
  await upstream?.close()
  await new Promise<void>((resolve) => collector?.close(() => resolve()))
})

describe('tracing through the gateway', () => {
  it('sends exactly one traceparent upstream, continuing the caller\'s trace', async () => {
    const res = await request(url + '/v2/models/m/infer', { method: 'POST', body: oipBody(), headers: { 'content-type': 'application/json', traceparent: INCOMING } })
    expect(res.statusCode).toBe(200)
    await res.body.dump()
    const seen = upstream.requests.find((r) => r.method === 'POST')!
    const header = seen.headers.traceparent
    // Node joins duplicate headers with ", "; a single value has exactly one traceparent.
    expect(typeof header).toBe('string')
    expect(String(header).split(',')).toHaveLength(1)
    const [, traceId, spanId] = String(header).split('-')
    expect(traceId).toBe(TRACE_ID)
    expect(spanId).not.toBe('b7ad6b7169203331')
  })

  it('exports a server span and an upstream client span in the caller\'s trace', async () => {
    const deadline = Date.now() + 10_000
    const spans = () => exported.flatMap((e) => e.resourceSpans ?? []).flatMap((r) => r.scopeSpans ?? []).flatMap((s) => s.spans ?? [])
    while (Date.now() < deadline && spans().filter((s) => s.traceId === TRACE_ID).length < 2) await new Promise((resolve) => setTimeout(resolve, 50))
    const ours = spans().filter((s) => s.traceId === TRACE_ID)
    expect(ours.some((s) => s.kind === 2)).toBe(true) // SERVER
    expect(ours.some((s) => s.kind === 3)).toBe(true) // CLIENT (the upstream call)
  })
})
