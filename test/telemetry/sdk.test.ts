import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AddressInfo } from 'node:net'
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { createTracingSdk, metricReadersFor, tracingWanted, untracedPath } from '../../src/telemetry/sdk.js'
import { createSpans } from '../../src/telemetry/spans.js'
import { waitFor } from '../helpers/prometheus.js'

// In-process: the SDK as the preload starts it, with an in-memory exporter, in front of a real fastify
// server on port 0. fastify is imported only after the SDK started, as `node --import` arranges.

const exporter = new InMemorySpanExporter()
const sdk = createTracingSdk({ env: {}, spanProcessors: [new SimpleSpanProcessor(exporter)] })
let base = ''
let close: () => Promise<void> = async () => {}

beforeAll(async () => {
  process.env.OTEL_RESOURCE_ATTRIBUTES = 'service.name=from-resource-attributes,deployment.environment.name=test'
  sdk.start()
  const { default: Fastify } = await import('fastify')
  const app = Fastify()
  app.post<{ Params: { model: string } }>('/v2/models/:model/infer', async (request, reply) => {
    if (request.params.model === 'bad') return reply.code(400).send({ error: 'bad input', code: 'HEADLINER_ERR_BAD_REQUEST' })
    if (request.params.model === 'broken') return reply.code(502).send({ error: 'upstream', code: 'HEADLINER_ERR_UPSTREAM' })
    return { outputs: [] }
  })
  app.get('/v2/health/ready', async () => ({ ready: true }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  close = () => app.close()
})

afterAll(async () => {
  await close()
  await sdk.shutdown()
  delete process.env.OTEL_RESOURCE_ATTRIBUTES
})

async function serverSpan (path: string, init: RequestInit): Promise<ReadableSpan> {
  const res = await fetch(base + path, init)
  await res.arrayBuffer()
  return waitFor(`a SERVER span for ${path}`, async () => exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER && s.attributes['url.path'] === path), { timeoutMs: 10_000, intervalMs: 20 })
}

const post = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"inputs":[]}' }

describe('SERVER spans by the HTTP semantic conventions', () => {
  it('are named after the route and carry url.scheme, server.*, client.address, http.route', async () => {
    const span = await serverSpan('/v2/models/m/infer', post)
    expect(span.name).toBe('POST /v2/models/:model/infer')
    expect(span.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/v2/models/:model/infer',
      'http.response.status_code': 200,
      'url.scheme': 'http',
      'server.address': '127.0.0.1',
      'client.address': '127.0.0.1'
    })
    expect(typeof span.attributes['server.port']).toBe('number')
    expect(span.status.code).toBe(SpanStatusCode.UNSET)
  })

  it('leave the status unset on a 4xx (the caller\'s fault) and set ERROR on a 5xx', async () => {
    expect((await serverSpan('/v2/models/bad/infer', post)).status.code).toBe(SpanStatusCode.UNSET)
    expect((await serverSpan('/v2/models/broken/infer', post)).status.code).toBe(SpanStatusCode.ERROR)
  })

  it('take service.name from OTEL_RESOURCE_ATTRIBUTES over the default, and set service.version', async () => {
    const span = await serverSpan('/v2/models/m/infer', post)
    expect(span.resource.attributes['service.name']).toBe('from-resource-attributes')
    expect(span.resource.attributes['deployment.environment.name']).toBe('test')
    expect(span.resource.attributes['service.version']).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('are not made for readiness probes', async () => {
    exporter.reset()
    expect((await fetch(base + '/v2/health/ready')).status).toBe(200)
    await serverSpan('/v2/models/m/infer', post) // a traced request after the probe: its span is there, the probe's is not
    // (fetch's own CLIENT span for the probe is there: Node's fetch is undici, and undici is traced.)
    expect(exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER && s.attributes['url.path'] === '/v2/health/ready')).toEqual([])
  })
})

describe('child spans', () => {
  const spans = createSpans(trace.getTracer('headliner-test'))
  const routed = { model: 'm', version: 'v1', route: 'weight' }

  it('pre-process, upstream and post-process are children of the request span with model, version and route', async () => {
    exporter.reset()
    const request = trace.getTracer('headliner-test').startSpan('request')
    await context.with(trace.setSpan(context.active(), request), async () => {
      await spans.stage('pre_process', routed, () => 1)
      await spans.stage('upstream', routed, async () => 2)
      await expect(spans.stage('post_process', routed, () => { throw new Error('bad output') })).rejects.toThrow('bad output')
    })
    request.end()
    const byName = new Map(exporter.getFinishedSpans().map((s) => [s.name, s]))
    for (const name of ['headliner.pre_process', 'headliner.upstream', 'headliner.post_process']) {
      const s = byName.get(name)!
      expect(s.parentSpanContext?.spanId).toBe(request.spanContext().spanId)
      expect(s.attributes).toMatchObject({ 'headliner.model': 'm', 'headliner.version': 'v1', 'headliner.route': 'weight' })
    }
    expect(byName.get('headliner.post_process')!.status.code).toBe(SpanStatusCode.ERROR)
  })

  it('a shadow call has its own trace, linked to the request\'s span', async () => {
    exporter.reset()
    const request = trace.getTracer('headliner-test').startSpan('request')
    let traceId: string | undefined
    await context.with(trace.setSpan(context.active(), request), async () => {
      traceId = spans.activeTraceId()
      await spans.shadow({ model: 'm', version: 's1' }, async () => 'answer')
    })
    request.end()
    const shadow = exporter.getFinishedSpans().find((s) => s.name === 'headliner.shadow')!
    expect(traceId).toBe(request.spanContext().traceId)
    expect(shadow.spanContext().traceId).not.toBe(request.spanContext().traceId)
    expect(shadow.parentSpanContext).toBeUndefined()
    expect(shadow.links.map((l) => l.context.spanId)).toEqual([request.spanContext().spanId])
    expect(shadow.attributes).toMatchObject({ 'headliner.version': 's1', 'headliner.role': 'shadow' })
  })
})

describe('configuration from OTEL_* variables', () => {
  it.each([
    [{}, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }, true],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' }, true],
    [{ OTEL_TRACES_EXPORTER: 'console' }, true],
    [{ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }, false],
    [{ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }, false]
  ])('tracingWanted(%j) is %s', (env, wanted) => {
    expect(tracingWanted(env)).toBe(wanted)
  })

  it('pushes no metrics unless OTEL_METRICS_EXPORTER asks', () => {
    expect(metricReadersFor({})).toEqual([])
    expect(metricReadersFor({ OTEL_METRICS_EXPORTER: 'otlp' })).toBeUndefined()
  })

  it.each([['/v2/health/ready', true], ['/v2/health/live', true], ['/v2/models/m/ready', true], ['/v2/models/m/versions/1/ready', true], ['/metrics', true], ['/v2/models/m/infer', false], ['/v2/models/ready/infer', false]])('untracedPath(%s) is %s', (path, untraced) => {
    expect(untracedPath(path)).toBe(untraced)
  })
})
