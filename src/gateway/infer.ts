/**
 * The inference request path, top to bottom in one place:
 *
 *   admit -> decide version (routing) -> validate + pre-process (plan, transform)
 *     -> call upstream (proxy client) -> post-process (transform) -> reply to the client
 *     -> afterwards, off the reply path: record (metrics), then the observers (shadow, drift)
 *
 * Each step is a call into one capability that returns what it made; this file is the only writer
 * of the call, and it tells the story.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Dispatcher } from 'undici'
import { errors, HeadlinerError } from '../errors.js'
import { pickVersion, type Decision } from '../routing/pick.js'
import { callUpstream } from '../proxy/client.js'
import { endToEndHeaders, upstreamHeaders } from '../proxy/forward.js'
import type { Metrics } from '../metrics/metrics.js'
import { finishCall, responseJson, type Call, type Protocol } from '../runtime/call.js'
import type { Observer } from '../runtime/observer.js'
import type { Runtime } from '../runtime/runtime.js'
import type { ModelRuntime } from '../runtime/snapshot.js'
import { planUpstream, readsAnswerWhole } from './plan.js'
import { preProcess, postProcess } from './transform-step.js'

export interface InferDeps {
  runtime: Runtime
  metrics: Metrics
  /** The primary upstreams' pools (src/proxy/upstreams.ts). */
  dispatcher: Dispatcher
  /** Uniform [0, 1): the weighted split's randomness (tests pass a seeded one). */
  random: () => number
  /** The fan-out of every observer (src/runtime/observer.ts). */
  observers: Observer
  /** Tracing is on: let the undici instrumentation own the outgoing traceparent. */
  tracing: boolean
}

/** Largest upstream answer the gateway reads into memory (when it needs the body). */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024

declare module 'fastify' {
  interface FastifyRequest { headliner: Call | null }
}

export function registerInferRoutes (app: FastifyInstance, deps: InferDeps): void {
  const { runtime, metrics, dispatcher, random, observers, tracing } = deps
  app.decorateRequest('headliner', null)

  async function infer (request: FastifyRequest, reply: FastifyReply, protocol: Protocol, name: string, pinned?: string): Promise<FastifyReply> {
    // 1. admit and decide the version
    const model = runtime.require(name)
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
    const cancel = new AbortController()
    // 'close' fires once per response, sent or cut short by the client: the one place to finish,
    // and the one place a vanished client cancels the upstream call.
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) cancel.abort()
      afterReply(request, reply, call)
    })

    // 2. validate (and, with a transform, pre-process) before anything reaches an upstream
    call.parsed = parseJson(request.body)
    const plan = planUpstream(version, protocol, call.parsed)
    call.upstreamPath = plan.path
    call.upstreamKind = plan.kind
    if (plan.instances !== undefined) call.instances = plan.instances
    call.upstreamBody = plan.instances === undefined ? request.body as Buffer : preProcess(model, version, plan.instances, oipId(call.parsed) ?? call.requestId, metrics)

    // 3. call the upstream
    const started = performance.now()
    const observed = observers.wantsResponse(model)
    const answer = await callUpstream(dispatcher, {
      origin: version.target.origin,
      path: plan.path,
      method: 'POST',
      headers: upstreamHeaders(request, tracing),
      body: call.upstreamBody,
      deadlineMs: model.config.timeoutMs,
      signal: cancel.signal,
      maxBytes: MAX_RESPONSE_BYTES,
      readWhole: (status, headers) => readsAnswerWhole(plan.instances !== undefined && status === 200, observed, headers)
    })
    if (!answer.ok) {
      if (answer.kind === 'aborted') return reply
      call.upstreamMs = performance.now() - started
      call.upstreamError = answer.kind
      throw answer.kind === 'timeout'
        ? errors.upstreamTimeout(model.name, version.name, model.config.timeoutMs)
        : answer.kind === 'connect' ? errors.upstreamConnect(model.name, version.name, answer.detail) : errors.upstreamProtocol(model.name, version.name, answer.detail)
    }
    // Time to the response headers: the point the upstream has done its work (the body may stream).
    call.upstreamMs = answer.headersMs
    call.upstreamStatus = answer.status
    if (answer.status >= 500) call.upstreamError = 'status'

    // 4. reply: the upstream's status and end-to-end headers, its body as it came or labelled
    reply.code(answer.status).headers(endToEndHeaders(answer.headers) as Record<string, string | string[]>)
    if (answer.stream !== undefined) return reply.send(answer.stream)
    call.responseBody = answer.body
    if (plan.instances === undefined || answer.status !== 200) return reply.send(answer.body)
    // named features in, labels out: the version's own post-processing
    reply.removeHeader('content-length')
    const labelled = postProcess(model, version, responseJson(call), plan.instances.length, metrics)
    if (!labelled.ok) {
      if (labelled.upstreamFault) call.upstreamError = 'protocol'
      throw labelled.error
    }
    return reply.type('application/json').send(labelled.text)
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
    observers.afterReply(finishCall(call, status, reply.elapsedTime))
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

/** The OIP request `id` the client sent, echoed into the tensor request. */
function oipId (parsed: unknown): string | undefined {
  const id = (parsed as { id?: unknown }).id
  return typeof id === 'string' ? id : undefined
}

function routingError (model: ModelRuntime, decision: Exclude<Decision, { ok: true }>): HeadlinerError {
  switch (decision.reason) {
    case 'unknown_version': return errors.unknownVersion(model.name, decision.version)
    case 'not_ready': return errors.versionNotReady(model.name, decision.version, model.versions.get(decision.version)?.readiness.reason ?? 'unknown')
    default: return errors.noReadyVersion(model.name)
  }
}
