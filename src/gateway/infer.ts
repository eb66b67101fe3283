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
import { context } from '@opentelemetry/api'
import type { Dispatcher } from 'undici'
import { errors, HeadlinerError } from '../errors.js'
import { pickVersion } from '../routing/pick.js'
import { Cancel, callUpstream, type CancelSignal, type UpstreamAnswer } from '../proxy/client.js'
import type { Ejections } from '../proxy/ejections.js'
import { endToEndHeaders, GATEWAY_ANSWER_HEADERS, upstreamHeaders } from '../proxy/forward.js'
import { InflightLimits } from '../proxy/inflight.js'
import { pickOther, retryReason, RetryBudget } from '../proxy/retry.js'
import type { Metrics } from '../metrics/metrics.js'
import type { RequestSeries } from '../metrics/request-series.js'
import type { Spans, Stage } from '../telemetry/spans.js'
import { finishCall, responseJson, type Call, type Protocol, type UpstreamError } from '../runtime/call.js'
import type { Observer } from '../runtime/observer.js'
import type { Runtime } from '../runtime/runtime.js'
import { versionKey, type ModelRuntime, type VersionRuntime } from '../runtime/snapshot.js'
import { checkPassthroughAnswer } from './answer-check.js'
import { planUpstream, readsAnswerWhole, type UpstreamPlan } from './plan.js'
import { headerValue, oipId, parseJson, routedOf, routingError, v1Answer } from './request-parts.js'
import { preProcess, postProcess } from './transform-step.js'

export interface InferDeps {
  runtime: Runtime
  metrics: Metrics
  /** The request path's metric children, resolved once per snapshot. */
  series: RequestSeries
  /** The primary upstreams' pools (src/proxy/upstreams.ts). */
  dispatcher: Dispatcher
  /** Uniform [0, 1): the weighted split's randomness (tests pass a seeded one). */
  random: () => number
  /** The fan-out of every observer (src/runtime/observer.ts). */
  observers: Observer
  /** Tracing is on: let the undici instrumentation own the outgoing traceparent. */
  tracing: boolean
  /** Passive outlier ejection (src/proxy/ejections.ts): every primary call's outcome goes in. */
  ejections: Ejections
  /** Pass upstream 5xx bodies through (a lab setting); otherwise the status passes with a gateway error. */
  exposeUpstreamErrors: boolean
  /** Child spans (pre-process, upstream, post-process) and the trace id for exemplars. */
  spans: Spans
}

/** What one attempt made: the answer (and its labelled text), or why it failed. */
type Attempt =
  | { ok: true; answer: Exclude<UpstreamAnswer, { ok: false }>; labelled?: string }
  | { ok: false; error: UpstreamError; sentNothing: boolean; httpError: HeadlinerError }
  | { ok: false; error: undefined; sentNothing: false }

/** A retry needs at least this much of the deadline left to be worth starting. */
const MIN_RETRY_MS = 50

/** Largest upstream answer the gateway reads into memory (when it needs the body). */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024

declare module 'fastify' {
  interface FastifyRequest { headliner: Call | null }
}

export function registerInferRoutes (app: FastifyInstance, deps: InferDeps): void {
  const { runtime, metrics, series, dispatcher, random, observers, tracing, ejections, exposeUpstreamErrors, spans } = deps
  // With tracing off a stage runs bare: even a no-op span costs a few microseconds per stage.
  // The span's attributes are built only with tracing on (an object per stage per request otherwise).
  const stage = <T>(name: Stage, call: Call, fn: () => Promise<T> | T): Promise<T> | T => tracing ? spans.stage(name, routedOf(call), fn) : fn()
  const budget = new RetryBudget()
  const slots = new InflightLimits()
  const observed = (model: ModelRuntime) => observers.wantsResponse(model)
  app.decorateRequest('headliner', null)

  async function infer (request: FastifyRequest, reply: FastifyReply, protocol: Protocol, name: string, pinned?: string): Promise<FastifyReply> {
    // 1. admit and decide the version
    const model = runtime.require(name)
    const decision = pickVersion(model.table, {
      pinned,
      header: model.config.headerRouting === 'off' ? undefined : headerValue(request, model.config.versionHeader),
      headerReach: model.config.headerRouting === 'all' ? 'all' : 'serving',
      stickyKey: model.config.sticky === undefined ? undefined : headerValue(request, model.config.sticky.header)
    }, random())
    if (!decision.ok) throw routingError(model, decision)
    const version = model.versions.get(decision.version.name)!
    reply.header('x-headliner-version', version.name).header('x-headliner-route', decision.route)
    const call: Call = { model, version, route: decision.route, protocol, requestId: String(request.id), requestBody: request.body as Buffer, releases: [budget.enter()] }
    request.headliner = call
    if (tracing) spans.annotateRequest({ model: model.name, version: version.name, route: decision.route })
    // The request's trace context, for the shadow spans' link: 'close' may fire outside it.
    const requestContext = tracing ? context.active() : undefined
    series.inflight(model).inc()
    const cancel = new Cancel()
    // 'close' fires once per response, sent or cut short by the client: the one place to finish,
    // and the one place a vanished client cancels the upstream call.
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) cancel.abort()
      for (const release of call.releases) release()
      if (requestContext === undefined) afterReply(reply, call)
      else context.with(requestContext, () => { afterReply(reply, call) })
    })

    // 2. validate (and, with a transform, pre-process) before anything reaches an upstream
    call.parsed = parseJson(request.body)
    let plan = await prepare(call, version)

    // 3. call the upstream; where it is safe, retry once on another ready version (src/proxy/retry.ts)
    const started = performance.now()
    let outcome = await attempt(request, call, plan, model.config.timeoutMs, cancel)
    const reason = outcome.ok ? undefined : retryReason(outcome.error, outcome.sentNothing, model.config.idempotent)
    const left = model.config.timeoutMs - (performance.now() - started)
    const other = reason === undefined || left < MIN_RETRY_MS ? undefined : pickOther(model.table, call.version.name, random())
    const retrying = other === undefined ? undefined : budget.tryAcquire()
    if (!outcome.ok && other !== undefined && retrying !== undefined) {
      metrics.retries.labels(model.name, call.version.name, reason!).inc()
      failed(call, reason!)
      call.version = model.versions.get(other.name)!
      call.route = 'fallback'
      reply.header('x-headliner-version', call.version.name).header('x-headliner-route', 'fallback')
      plan = await prepare(call, call.version)
      outcome = await attempt(request, call, plan, left, cancel).finally(retrying)
    }
    if (!outcome.ok) {
      if (outcome.error === undefined) return reply
      call.upstreamError = outcome.error
      throw outcome.httpError
    }
    const { answer } = outcome
    if (answer.status >= 500) call.upstreamError = 'status'

    // 4. reply: the upstream's status and end-to-end headers, its body as it came or labelled
    reply.code(answer.status).headers(endToEndHeaders(answer.headers, GATEWAY_ANSWER_HEADERS) as Record<string, string | string[]>)
    if (answer.stream !== undefined) {
      // Cut by the upstream or its deadline after the headers went out: the upstream's fault, not the client's.
      answer.stream.once('error', (err) => { call.upstreamError = err.name === 'DeadlineError' ? 'timeout' : 'protocol' })
      return reply.send(answer.stream)
    }
    if (outcome.labelled === undefined) return reply.send(answer.body)
    reply.removeHeader('content-length')
    return reply.type('application/json').send(outcome.labelled)
  }

  /** Plan the call for `version` (its path, its transform's tensor) and record it on the call. */
  async function prepare (call: Call, version: VersionRuntime): Promise<UpstreamPlan> {
    const plan = planUpstream(call.model.name, version, call.protocol, call.parsed, oipId(call.parsed) ?? call.requestId)
    call.upstreamPath = plan.path
    call.upstreamKind = plan.kind
    const instances = plan.instances
    if (instances !== undefined) call.instances = instances
    call.upstreamBody = plan.bridged ?? plan.reordered ?? (instances === undefined
      ? call.requestBody
      : await stage('pre_process', call, () => preProcess(call.model, version, instances, oipId(call.parsed) ?? call.requestId, metrics)))
    return plan
  }

  /**
   * One upstream call to the call's version, bounded by its `maxInflight` and by `deadlineMs`, and,
   * with named features, its post-processing: what the client would get, or the failure with the
   * error to send. `error` undefined: the client went away.
   */
  async function attempt (request: FastifyRequest, call: Call, plan: UpstreamPlan, deadlineMs: number, signal: CancelSignal): Promise<Attempt> {
    const { model, version } = call
    const release = slots.tryAcquire(versionKey(model.name, version.name), version.config.maxInflight)
    if (release === undefined) {
      metrics.overloaded.labels(model.name, version.name).inc()
      throw errors.overloaded(model.name, version.name, version.config.maxInflight)
    }
    call.releases.push(release)
    const started = performance.now()
    const answer = await stage('upstream', call, () => callUpstream(dispatcher, {
      origin: version.target.origin,
      path: plan.path,
      method: 'POST',
      // the request id, generated or the client's, reaches the primary as it reaches a shadow
      headers: upstreamHeaders(request, tracing, { 'x-request-id': call.requestId }),
      body: call.upstreamBody,
      deadlineMs,
      signal,
      maxBytes: MAX_RESPONSE_BYTES,
      readWhole: (status, headers) => readsAnswerWhole((plan.instances !== undefined || plan.bridged !== undefined) && status === 200, observed(model) || status >= 500, headers)
    }))
    if (!answer.ok) {
      release()
      if (answer.kind === 'aborted') return { ok: false, error: undefined, sentNothing: false }
      call.upstreamMs = performance.now() - started
      const httpError = answer.kind === 'timeout'
        ? errors.upstreamTimeout(model.name, version.name, model.config.timeoutMs)
        : answer.kind === 'connect' ? errors.upstreamConnect(model.name, version.name, answer.detail) : errors.upstreamProtocol(model.name, version.name, answer.detail)
      return { ok: false, error: answer.kind, sentNothing: answer.sentNothing, httpError }
    }
    // Time to the response headers: the point the upstream has done its work (the body may stream).
    call.upstreamMs = answer.headersMs
    call.upstreamStatus = answer.status
    if (answer.body !== undefined) call.responseBody = answer.body
    if (answer.status >= 500) {
      release()
      // The status passes; the body (tracebacks, paths) only where a lab turned exposeUpstreamErrors on.
      if (exposeUpstreamErrors) return { ok: true, answer }
      return { ok: false, error: 'status', sentNothing: false, httpError: new HeadlinerError(errors.upstreamStatus.code, answer.status, errors.upstreamStatus(model.name, version.name, answer.status).message) }
    }
    // nothing post-processes it: is it a prediction at all? (src/gateway/answer-check.ts)
    const invalid = plan.instances === undefined && answer.status === 200 && answer.body !== undefined ? checkPassthroughAnswer(call, plan.kind, answer) : undefined
    if (invalid !== undefined) {
      release()
      return { ok: false, ...invalid, sentNothing: false }
    }
    // a v1 call bridged to an OIP-only upstream: its answer back as v1 `predictions`
    if (plan.bridged !== undefined && answer.status === 200 && answer.body !== undefined) return { ok: true, answer, labelled: v1Answer(model, version, responseJson(call)) }
    if (plan.instances === undefined || answer.status !== 200 || answer.body === undefined) return { ok: true, answer }
    // named features in, labels out: the version's own post-processing, which refuses an invalid prediction
    const rows = plan.instances.length
    const labelled = await stage('post_process', call, () => postProcess(model, version, responseJson(call), rows, metrics))
    if (labelled.ok) return { ok: true, answer, labelled: labelled.text }
    release()
    if (!labelled.upstreamFault) throw labelled.error
    return { ok: false, error: labelled.error.code === errors.invalidPrediction.code ? 'invalid_prediction' : 'protocol', sentNothing: false, httpError: labelled.error }
  }

  /** A failed attempt that is retried elsewhere: counted, and fed to outlier ejection, now. */
  function failed (call: Call, error: UpstreamError): void {
    metrics.upstreamErrors.labels(call.model.name, call.version.name, error).inc()
    ejections.record(call.model.name, call.version.name, true)
    call.responseBody = undefined
    call.responseParsed = undefined
    call.upstreamStatus = undefined
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

  // 5. afterwards, off the reply path. The response is counted and logged for every request in one
  // place (src/gateway/accounting.ts); a response cut short (by the client, or by the upstream
  // mid-answer) is neither mirrored nor observed.
  function afterReply (reply: FastifyReply, call: Call): void {
    const { model, version } = call
    series.inflight(model).dec()
    if (call.upstreamStatus !== undefined || call.upstreamError !== undefined) ejections.record(model.name, version.name, call.upstreamError !== undefined)
    if (call.upstreamMs !== undefined) series.version(model, version).upstreamDuration.observe(call.upstreamMs / 1000)
    if (call.upstreamError !== undefined) metrics.upstreamErrors.labels(model.name, version.name, call.upstreamError).inc()
    if (!reply.raw.writableFinished) return
    observers.afterReply(finishCall(call, reply.statusCode, reply.elapsedTime))
  }
}
