/**
 * The inference request path, top to bottom in one place:
 *
 *   decide version (routing) -> validate + pre-process (protocol, transform) -> forward (proxy)
 *     -> post-process (transform) -> reply to the client
 *     -> afterwards, off the reply path: record (metrics), mirror + compare (shadow), observe (drift)
 *
 * Each step is a call into one capability; this file only tells the story.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { errors, HeadlinerError } from '../errors.js'
import { checkInferRequest } from '../protocol/oip.js'
import { checkPredictRequest } from '../protocol/v1.js'
import { pickVersion, type Decision } from '../routing/pick.js'
import { forward, readBody } from '../proxy/forward.js'
import type { Metrics } from '../metrics/metrics.js'
import { preProcess, postProcess } from './transform-step.js'
import type { Call, Observer, Protocol } from './call.js'
import type { ModelRuntime, Runtime } from './runtime.js'

export interface InferDeps {
  runtime: Runtime
  metrics: Metrics
  /** Uniform [0, 1): the weighted split's randomness (tests pass a seeded one). */
  random: () => number
  observers: readonly Observer[]
  /** Tracing is on: let the undici instrumentation own the outgoing traceparent. */
  tracing: boolean
}

/** Largest upstream answer the gateway reads into memory (when it needs the body). */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024
/** Answers up to this size (by content-length) are read whole and sent as one Buffer. */
const SMALL_ANSWER_BYTES = 64 * 1024

declare module 'fastify' {
  interface FastifyRequest { headliner: Call | null }
}

export function registerInferRoutes (app: FastifyInstance, deps: InferDeps): void {
  const { runtime, metrics, random, observers, tracing } = deps
  app.decorateRequest('headliner', null)

  async function infer (request: FastifyRequest, reply: FastifyReply, protocol: Protocol, name: string, pinned?: string): Promise<FastifyReply> {
    const model = runtime.require(name)

    // 1. decide the version
    const decision = pickVersion(model.table, {
      pinned,
      header: headerValue(request, model.config.versionHeader),
      stickyKey: model.config.sticky === undefined ? undefined : headerValue(request, model.config.sticky.header)
    }, random())
    if (!decision.ok) throw routingError(model, decision)
    const version = model.versions.get(decision.version.name)!
    reply.header('x-headliner-version', version.name).header('x-headliner-route', decision.route)
    const call: Call = { model, version, route: decision.route, protocol, requestId: String(request.id) }
    request.headliner = call
    metrics.inflight.labels(model.name).inc()
    // 'close' fires once per response, sent or cut short by the client: the one place to finish.
    reply.raw.once('close', () => { afterReply(request, reply, call) })

    // 2. validate (and, with a transform, pre-process) before anything reaches an upstream
    const parsed = parseJson(request.body)
    call.parsed = parsed
    if (protocol === 'v2') {
      const checked = checkInferRequest(parsed)
      if (!checked.ok) throw errors.badRequest('request', checked.error)
      call.upstreamPath = version.target.inferPath
      call.upstreamKind = 'v2'
      call.upstreamBody = request.body as Buffer
    } else {
      const checked = checkPredictRequest(parsed)
      if (!checked.ok) throw errors.badRequest('request', checked.error)
      if (checked.value.named) {
        // named features in: the version's own transform builds its OIP v2 tensor
        call.instances = checked.value.instances
        call.upstreamBody = preProcess(call, metrics)
        call.upstreamPath = version.target.inferPath
        call.upstreamKind = 'v2'
      } else {
        call.upstreamBody = request.body as Buffer
        call.upstreamPath = version.target.predictPath
        call.upstreamKind = 'v1'
      }
    }

    // 3. forward
    const started = performance.now()
    const res = await forward(request, reply, {
      url: version.target.origin + call.upstreamPath,
      body: call.upstreamBody,
      timeoutMs: model.config.timeoutMs,
      stripTraceContext: tracing
    })
    call.upstreamMs = performance.now() - started
    if (!res.ok) {
      if (res.kind === 'aborted') return reply
      call.upstreamError = res.kind
      throw res.kind === 'timeout'
        ? errors.upstreamTimeout(model.name, version.name, model.config.timeoutMs)
        : res.kind === 'connect' ? errors.upstreamConnect(model.name, version.name, res.detail) : errors.upstreamProtocol(model.name, version.name, res.detail)
    }
    call.upstreamStatus = res.statusCode
    if (res.statusCode >= 500) call.upstreamError = 'status'

    // 4. reply: read small answers whole (a Buffer is cheaper to send than a stream), stream big
    //    ones straight through unless something needs them
    const labelled = call.instances !== undefined && res.statusCode === 200
    const length = Number(res.headers['content-length'])
    if (!labelled && !(length <= SMALL_ANSWER_BYTES) && !observers.some((o) => o.wantsResponse(model))) return reply.send(res.stream)
    try {
      call.responseBody = await readBody(res.stream, MAX_RESPONSE_BYTES)
    } catch (err) {
      call.upstreamError = 'protocol'
      throw errors.upstreamProtocol(model.name, version.name, (err as Error).message)
    }
    if (!labelled) return reply.send(call.responseBody)
    // named features in, labels out: the version's own post-processing
    reply.removeHeader('content-length')
    return reply.type('application/json').send(postProcess(call, metrics))
  }

  app.post<{ Params: { model: string } }>('/v2/models/:model/infer', (request, reply) =>
    infer(request, reply, 'v2', request.params.model))
  app.post<{ Params: { model: string; version: string } }>('/v2/models/:model/versions/:version/infer', (request, reply) =>
    infer(request, reply, 'v2', request.params.model, request.params.version))
  // KServe v1 puts the verb after a colon in the last segment (`hit-predictor:predict`); the router
  // cannot split a parameter on ':' reliably, so the handler does.
  app.post<{ Params: { target: string } }>('/v1/models/:target', (request, reply) => {
    const { target } = request.params
    const colon = target.lastIndexOf(':')
    if (colon <= 0 || target.slice(colon + 1) !== 'predict') throw errors.notFound('POST', request.url)
    return infer(request, reply, 'v1', target.slice(0, colon))
  })

  // 5. afterwards, off the reply path. A response the client cut short is counted as 499 (nginx's
  // "client closed request") and is neither mirrored nor observed.
  function afterReply (request: FastifyRequest, reply: FastifyReply, call: Call): void {
    const { model, version, route } = call
    const status = reply.raw.writableFinished ? reply.statusCode : 499
    metrics.inflight.labels(model.name).dec()
    metrics.requests.labels(model.name, version.name, 'primary', route, String(status)).inc()
    metrics.requestDuration.labels(model.name, version.name, 'primary').observe(reply.elapsedTime / 1000)
    if (call.upstreamMs !== undefined) metrics.upstreamDuration.labels(model.name, version.name, 'primary').observe(call.upstreamMs / 1000)
    if (call.upstreamError !== undefined) metrics.upstreamErrors.labels(model.name, version.name, call.upstreamError).inc()
    request.log.info({ model: model.name, version: version.name, route, status, ms: Math.round(reply.elapsedTime * 100) / 100 }, 'inference')
    if (status === 499) return
    for (const observer of observers) {
      // This runs in the response's 'close' event: an observer's bug must cost a log line, never the process.
      try {
        observer.afterReply(call, status)
      } catch (err) {
        request.log.error({ err }, 'observer failed after the reply')
      }
    }
  }
}

function headerValue (request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name]
  return Array.isArray(v) ? v[0] : v
}

function parseJson (body: unknown): unknown {
  if (!Buffer.isBuffer(body) || body.length === 0) throw errors.badJson('the body is empty')
  try {
    return JSON.parse(body.toString('utf8'))
  } catch (err) {
    throw errors.badJson((err as Error).message)
  }
}

function routingError (model: ModelRuntime, decision: Exclude<Decision, { ok: true }>): HeadlinerError {
  switch (decision.reason) {
    case 'unknown_version': return errors.unknownVersion(model.name, decision.version)
    case 'not_ready': return errors.versionNotReady(model.name, decision.version, model.versions.get(decision.version)?.readiness.reason ?? 'unknown')
    default: return errors.noReadyVersion(model.name)
  }
}
