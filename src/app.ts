/**
 * buildApp(deps): compose the gateway from its capabilities. Nothing here reads env, listens or
 * installs signal handlers (that is main.ts); tests build the same thing with their own deps.
 */
import { randomUUID } from 'node:crypto'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify'
import replyFrom from '@fastify/reply-from'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { Agent } from 'undici'
import type { Config } from './config/schema.js'
import { errors, isHeadlinerError } from './errors.js'
import { createMetrics, type Metrics } from './metrics/metrics.js'
import { createAgent, originSettings } from './proxy/upstreams.js'
import { Runtime } from './gateway/runtime.js'
import { ReadinessProber } from './gateway/readiness.js'
import { registerInferRoutes } from './gateway/infer.js'
import { registerHealthRoutes } from './gateway/health.js'
import type { Observer } from './gateway/call.js'
import { buildAdminApp } from './admin/server.js'
import { ShadowDispatcher } from './shadow/dispatcher.js'
import { DriftMonitor } from './drift/monitor.js'
import { TransformRegistry } from './transform/registry.js'
import { checkContract } from './transform/contract.js'
import { shadowRequest } from './gateway/shadow-request.js'

export interface AppDeps {
  config: Config
  logger: Logger
  registry: Registry
  /** Version string reported by GET /v2. */
  version?: string
  random?: () => number
  /** Prometheus default Node metrics (on by default). */
  defaultMetrics?: boolean
  /** Overrides the config's probe settings (tests). */
  probe?: { intervalMs: number; timeoutMs: number }
  /** Bearer token of the admin API (env HEADLINER_ADMIN_TOKEN); undefined disables the API. */
  adminToken?: string
  /** OpenTelemetry tracing was started (src/telemetry/tracing.ts). */
  tracing?: boolean
}

export interface App {
  data: FastifyInstance
  admin: FastifyInstance
  runtime: Runtime
  metrics: Metrics
  prober: ReadinessProber
  primaryAgent: Agent
  shadowAgent: Agent
  shadow: ShadowDispatcher
  /** Probe the upstreams once and start periodic probing. */
  start (): Promise<void>
  /** Load a new validated config's transforms, swap it in, then probe the new versions. Throws (and swaps nothing) when a transform does not load. */
  reload (config: Config): Promise<void>
  drift: DriftMonitor
  close (): Promise<void>
}

export async function buildApp (deps: AppDeps): Promise<App> {
  const metrics = createMetrics(deps.registry, { defaultMetrics: deps.defaultMetrics })
  const transforms = new TransformRegistry()
  const runtime = new Runtime(deps.config, metrics, await transforms.load(deps.config))
  let origins = originSettings(deps.config)
  runtime.onSwap((s) => { origins = originSettings(s.config) })
  const primaryAgent = createAgent(() => origins, 'primary')
  const shadowAgent = createAgent(() => origins, 'shadow')
  const random = deps.random ?? Math.random
  const shadow = new ShadowDispatcher({
    agent: shadowAgent,
    metrics,
    log: deps.logger,
    random,
    requestFor: shadowRequest
  })
  const drift = new DriftMonitor({ metrics, log: deps.logger })
  drift.configure(runtime.snapshot)
  runtime.onSwap((s) => drift.configure(s))
  const observers: Observer[] = [shadow, drift]
  const prober = new ReadinessProber({
    runtime,
    agent: primaryAgent,
    log: deps.logger,
    intervalMs: deps.probe?.intervalMs ?? deps.config.probe.intervalMs,
    timeoutMs: deps.probe?.timeoutMs ?? deps.config.probe.timeoutMs,
    // A version whose transform contradicts its upstream's metadata must not serve: it would label nonsense.
    checkMetadata: (_model, version, metadata) => {
      if (version.transform === undefined) return { ok: true }
      const c = checkContract(version.transform, metadata)
      return c.ok ? { ok: true, tensors: { input: c.input, output: c.output } } : { ok: false, reason: `transform ${version.transform.file} does not match the upstream: ${c.reason}` }
    }
  })

  const data = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // One log line per inference is written when the response closes (src/gateway/infer.ts) instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.config.server.bodyLimitBytes,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    forceCloseConnections: 'idle',
    return503OnClosing: true
  })
  // Inference bodies are read as bytes (fastify enforces bodyLimit here) and parsed by the handler,
  // which validates them and forwards the same bytes: one parse, no re-serialisation.
  data.removeAllContentTypeParsers()
  data.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => { done(null, body) })
  await data.register(replyFrom, { undici: primaryAgent as never, disableRequestLogging: true })
  let closing = false
  data.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id)
    // While draining, tell keep-alive clients to go: server.close() only drops connections that are
    // idle when it is called, so a connection whose request was in flight would hold shutdown open.
    if (closing) reply.header('connection', 'close')
    done(null, payload)
  })
  installErrorHandling(data)
  registerInferRoutes(data, { runtime, metrics, random, observers, tracing: deps.tracing ?? false })
  registerHealthRoutes(data, runtime, deps.version ?? '0.0.0')

  const admin = await buildAdminApp({ logger: deps.logger, registry: deps.registry, runtime, shadow, drift, adminToken: deps.adminToken })

  return {
    data,
    admin,
    runtime,
    metrics,
    prober,
    primaryAgent,
    shadowAgent,
    shadow,
    drift,
    async start () {
      await prober.probeAll()
      prober.start()
    },
    async reload (config: Config) {
      runtime.applyConfig(config, await transforms.load(config))
      metrics.configReloads.labels('success').inc()
      prober.probeAll().catch((err: unknown) => { deps.logger.error({ err }, 'readiness probe round failed') })
    },
    async close () {
      closing = true
      prober.stop()
      await data.close()
      await admin.close()
      await primaryAgent.close()
      await shadowAgent.destroy()
    }
  }
}

/** Every error leaves as JSON `{"error": ..., "code": ...}`; the OIP request `id` is echoed when known. */
export function installErrorHandling (app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const parsed = request.headliner?.parsed as { id?: unknown } | undefined
    const id = typeof parsed?.id === 'string' ? parsed.id : undefined
    if (isHeadlinerError(err)) {
      if (err.statusCode >= 500) request.log.warn({ code: err.code, err: err.message }, 'request failed')
      return reply.code(err.statusCode).send({ error: err.message, code: err.code, ...(id !== undefined ? { id } : {}) })
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const e = errors.bodyTooLarge(app.initialConfig.bodyLimit ?? 0)
      return reply.code(413).send({ error: e.message, code: e.code })
    }
    const status = err.statusCode ?? 500
    if (status < 500) return reply.code(status).send({ error: err.message, code: err.code ?? 'HEADLINER_ERR_BAD_REQUEST' })
    request.log.error({ err }, 'unexpected error')
    return reply.code(500).send({ error: 'internal error', code: 'HEADLINER_ERR_INTERNAL' })
  })
  app.setNotFoundHandler((request, reply) => {
    const e = errors.notFound(request.method, request.url)
    return reply.code(404).send({ error: e.message, code: e.code })
  })
}
