import type { ChildProcess } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { listening, spawnHeadliner, writeTempConfig } from '../helpers/cli.js'
import { oipBody, startRecordingUpstream } from '../helpers/gateway.js'
import { waitFor } from '../helpers/prometheus.js'

// The real CLI (bin/headliner.js loads the tracing preload) exporting to a local OTLP/HTTP receiver:
// once with OTEL_EXPORTER_OTLP_PROTOCOL=http/json, once with the default (http/protobuf).

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c'
const INCOMING = `00-${TRACE_ID}-b7ad6b7169203331-01`
const ROUTE_NAME = 'POST /v2/models/:model/infer'

interface Posted { path: string, contentType: string, body: Buffer }
interface JsonSpan { traceId: string, name: string, kind: number, status?: { code?: number }, attributes?: { key: string, value: Record<string, unknown> }[] }
interface JsonExport { resourceSpans?: { resource?: { attributes?: { key: string, value: { stringValue?: string } }[] }, scopeSpans?: { spans?: JsonSpan[] }[] }[] }

/** A real OTLP/HTTP endpoint: keeps every body posted to it. */
async function startReceiver (): Promise<{ url: string, posted: Posted[], close (): Promise<void> }> {
  const posted: Posted[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      posted.push({ path: req.url ?? '', contentType: req.headers['content-type'] ?? '', body: Buffer.concat(chunks) })
      res.setHeader('content-type', req.headers['content-type'] ?? 'application/json')
      res.end(req.headers['content-type']?.includes('json') === true ? '{}' : '')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, posted, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>
beforeAll(async () => { upstream = await startRecordingUpstream() })
afterAll(async () => { await upstream?.close() })

async function startGateway (receiver: string, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess, url: string }> {
  const config = writeTempConfig('headliner-otel-', { m: { versions: { a: { url: upstream.url, weight: 100 } } } })
  const gw = await spawnHeadliner(['serve', '--config', config], (out) => { const l = listening(out); return l?.tracing === true ? l : undefined },
    { OTEL_EXPORTER_OTLP_ENDPOINT: receiver, OTEL_BSP_SCHEDULE_DELAY: '100', ...env })
  return { child: gw.child, url: gw.data }
}

async function infer (url: string, model = 'm'): Promise<number> {
  const res = await request(url + `/v2/models/${model}/infer`, { method: 'POST', body: oipBody(), headers: { 'content-type': 'application/json', traceparent: INCOMING } })
  await res.body.dump()
  return res.statusCode
}

describe('tracing through the gateway, OTLP http/json', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>
  let gw: { child: ChildProcess, url: string }
  beforeAll(async () => {
    receiver = await startReceiver()
    gw = await startGateway(receiver.url, { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_RESOURCE_ATTRIBUTES: 'service.name=headliner-from-resource,service.namespace=ml' })
  })
  afterAll(async () => { gw?.child.kill('SIGTERM'); await receiver?.close() })

  const exports = (): JsonExport[] => receiver.posted.filter((p) => p.path === '/v1/traces').map((p) => JSON.parse(p.body.toString()) as JsonExport)
  const spans = (): JsonSpan[] => exports().flatMap((e) => e.resourceSpans ?? []).flatMap((r) => r.scopeSpans ?? []).flatMap((s) => s.spans ?? [])

  it('sends exactly one traceparent upstream, continuing the caller\'s trace', async () => {
    expect(await infer(gw.url)).toBe(200)
    const seen = upstream.requests.find((r) => r.method === 'POST')!
    const header = seen.headers.traceparent
    // Node joins duplicate headers with ", "; a single value has exactly one traceparent.
    expect(typeof header).toBe('string')
    expect(String(header).split(',')).toHaveLength(1)
    const [, traceId, spanId] = String(header).split('-')
    expect(traceId).toBe(TRACE_ID)
    expect(spanId).not.toBe('b7ad6b7169203331')
  })

  it('exports a SERVER span named after the route and an upstream CLIENT span in the caller\'s trace', async () => {
    const ours = await waitFor('server and client spans', async () => {
      const s = spans().filter((x) => x.traceId === TRACE_ID)
      return s.some((x) => x.kind === 2) && s.some((x) => x.kind === 3) ? s : undefined
    }, { timeoutMs: 15_000, intervalMs: 50 })
    const server = ours.find((s) => s.kind === 2)!
    expect(server.name).toBe(ROUTE_NAME)
    const keys = (server.attributes ?? []).map((a) => a.key)
    expect(keys).toEqual(expect.arrayContaining(['url.scheme', 'server.address', 'server.port', 'client.address', 'http.route', 'http.response.status_code']))
  })

  it('a 404 (unknown model) leaves the SERVER span status unset', async () => {
    expect(await infer(gw.url, 'no-such-model')).toBe(404)
    const server = await waitFor('the 404 server span', async () => spans().find((s) => s.kind === 2 && (s.attributes ?? []).some((a) => a.key === 'url.path' && a.value.stringValue === '/v2/models/no-such-model/infer')), { timeoutMs: 15_000, intervalMs: 50 })
    expect(server.status?.code ?? 0).toBe(0) // UNSET
  })

  it('takes service.name from OTEL_RESOURCE_ATTRIBUTES and sets service.version', () => {
    const attrs = new Map((exports()[0]?.resourceSpans?.[0]?.resource?.attributes ?? []).map((a) => [a.key, a.value.stringValue]))
    expect(attrs.get('service.name')).toBe('headliner-from-resource')
    expect(attrs.get('service.namespace')).toBe('ml')
    expect(attrs.get('service.version')).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('pushes no OTLP metrics (none were asked for)', () => {
    expect(receiver.posted.filter((p) => p.path === '/v1/metrics')).toEqual([])
  })
})

describe('tracing through the gateway, default OTLP protocol', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>
  let gw: { child: ChildProcess, url: string }
  beforeAll(async () => {
    receiver = await startReceiver()
    gw = await startGateway(receiver.url, {})
  })
  afterAll(async () => { gw?.child.kill('SIGTERM'); await receiver?.close() })

  it('exports http/protobuf: protobuf bodies that carry the route-named span', async () => {
    expect(await infer(gw.url)).toBe(200)
    // Protobuf keeps strings as UTF-8 bytes, so the span name can be found without a decoder.
    const posted = await waitFor('a protobuf export with the server span', async () => receiver.posted.find((p) => p.path === '/v1/traces' && p.body.includes(ROUTE_NAME)), { timeoutMs: 15_000, intervalMs: 50 })
    expect(posted.contentType).toBe('application/x-protobuf')
  })
})
