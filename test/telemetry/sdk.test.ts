import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AddressInfo } from 'node:net'
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { createTracingSdk, metricReadersFor, tracingWanted, untracedPath } from '../../src/telemetry/sdk.js'
import { createSpans } from '../../src/telemetry/spans.js'
import { waitFor } from '../helpers/prometheus.js'
import type { App } from '../../src/app.js'
import type { RunningModelServer } from '../../src/demo/model-server.js'

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

describe('spans of a real request through the gateway', () => {
  // The demo's hit predictor: v1 (with its transform) serves, v3 is a shadow at 100%. A v1 request
  // with named features goes through pre-process, the upstream call and post-process.
  let app: App
  let models: RunningModelServer[] = []
  let url = ''
  let adminUrl = ''
  const named = JSON.stringify({ instances: [{ danceability: 0.71, energy: 0.8, key: 5, loudness: -5.2, mode: 1, speechiness: 0.05, acousticness: 0.1, instrumentalness: 0, liveness: 0.12, valence: 0.6, tempo: 118, duration_ms: 201000 }] })

  beforeAll(async () => {
    // Imported after the SDK started, like everything that loads fastify or node:http.
    const [{ buildApp }, { demoConfig, startDemoModels }, { createRegistry }, { pino }] = await Promise.all([
      import('../../src/app.js'), import('../../src/cli/demo.js'), import('../../src/metrics/exposition.js'), import('pino')
    ])
    models = await startDemoModels({ modelPort: 0 })
    const [v1, v2, v3] = models.map((m) => m.url) as [string, string, string]
    const config = demoConfig({ host: '127.0.0.1', port: 0, adminPort: 0, modelPort: 0, scenario: 'default' }, { v1, v2, v3 })
    app = await buildApp({ config, logger: pino({ level: 'silent' }), registry: createRegistry({ exemplars: true }), random: () => 0, tracing: true, probe: { intervalMs: 60_000, timeoutMs: 2000 } })
    await app.start()
    url = await app.data.listen({ host: '127.0.0.1', port: 0 })
    adminUrl = await app.admin.listen({ host: '127.0.0.1', port: 0 })
  })

  afterAll(async () => {
    await app?.close()
    await Promise.all(models.map((m) => m.close()))
  })

  it('has pre_process, upstream and post_process under the SERVER span, the upstream CLIENT span under upstream, a linked shadow span, and the trace id as exemplar', async () => {
    exporter.reset()
    const res = await fetch(url + '/v1/models/hit-predictor:predict', { method: 'POST', headers: { 'content-type': 'application/json' }, body: named })
    expect(res.status).toBe(200)
    await res.arrayBuffer()
    const finished = await waitFor('the request\'s spans and its shadow span', async () => {
      const all = exporter.getFinishedSpans()
      const names = new Set(all.map((s) => s.name))
      return ['headliner.pre_process', 'headliner.upstream', 'headliner.post_process', 'headliner.shadow'].every((n) => names.has(n)) &&
        all.some((s) => s.kind === SpanKind.SERVER && s.attributes['url.path'] === '/v1/models/hit-predictor:predict')
        ? all
        : undefined
    }, { timeoutMs: 15_000, intervalMs: 20 })
    const server = finished.find((s) => s.kind === SpanKind.SERVER && s.attributes['url.path'] === '/v1/models/hit-predictor:predict')!
    const routed = { 'headliner.model': 'hit-predictor', 'headliner.version': 'v1', 'headliner.route': 'weight' }
    expect(server.attributes).toMatchObject(routed)
    const stages = new Map(finished.filter((s) => s.spanContext().traceId === server.spanContext().traceId && s.name.startsWith('headliner.')).map((s) => [s.name, s]))
    for (const name of ['headliner.pre_process', 'headliner.upstream', 'headliner.post_process']) {
      expect(stages.get(name)?.parentSpanContext?.spanId, name).toBe(server.spanContext().spanId)
      expect(stages.get(name)?.attributes, name).toMatchObject(routed)
    }
    const upstream = stages.get('headliner.upstream')!
    const client = finished.filter((s) => s.kind === SpanKind.CLIENT && s.parentSpanContext?.spanId === upstream.spanContext().spanId)
    expect(client).toHaveLength(1)
    const shadow = finished.find((s) => s.name === 'headliner.shadow')!
    expect(shadow.spanContext().traceId).not.toBe(server.spanContext().traceId)
    expect(shadow.links.map((l) => l.context.spanId)).toEqual([server.spanContext().spanId])
    expect(shadow.attributes).toMatchObject({ 'headliner.model': 'hit-predictor', 'headliner.version': 'v3', 'headliner.role': 'shadow' })
    // The shadow's upstream call is traced inside its own trace.
    expect(finished.some((s) => s.kind === SpanKind.CLIENT && s.parentSpanContext?.spanId === shadow.spanContext().spanId)).toBe(true)

    const scrape = await fetch(adminUrl + '/metrics', { headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;q=0.5' } })
    expect(scrape.headers.get('content-type')).toMatch(/^application\/openmetrics-text/)
    const text = await scrape.text()
    const primaryBuckets = text.split('\n').filter((l) => l.startsWith('headliner_request_duration_seconds_bucket{') && l.includes('version="v1"') && l.includes('role="primary"'))
    expect(primaryBuckets.some((l) => l.includes(`# {trace_id="${server.spanContext().traceId}"}`))).toBe(true)
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
