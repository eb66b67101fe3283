/**
 * buildApp(deps): compose the gateway from its capabilities. Nothing here reads env, listens or
 * installs signal handlers (that is main.ts); tests build the same thing with their own deps.
 */
import { randomUUID } from 'node:crypto'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { Agent } from 'undici'
import type { Config } from './config/schema.js'
import { installErrorHandling } from './error-handler.js'
import { createMetrics, type Metrics } from './metrics/metrics.js'
import { followRuntime } from './metrics/runtime-gauges.js'
import { createAgent, originSettings } from './proxy/upstreams.js'
import { ReadinessProber } from './proxy/probe.js'
import { Runtime } from './runtime/runtime.js'
import { Observers } from './runtime/observer.js'
import { registerInferRoutes } from './gateway/infer.js'
import { registerHealthRoutes } from './gateway/health.js'
import { buildAdminApp } from './admin/server.js'
import { ShadowDispatcher } from './shadow/dispatcher.js'
import { DriftMonitor } from './drift/monitor.js'
import { TransformRegistry } from './transform/registry.js'
import { checkContract } from './transform/contract.js'
import { installServerLimits, serverOptions } from './gateway/server-limits.js'
import type { StateStore } from './state/index.js'
import { ReleaseControl } from './release/control.js'
import { RolloutWiring } from './rollout/wiring.js'

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
  /** Where runtime weights, mirrors and the audit trail live (created from `config.state` by the caller; closed by it). */
  store: StateStore
  /** This process's name among replicas (leases). Default: a random id. */
  replica?: string
  /** The rollout driver's tick, lease and counts-push periods in ms (tests; defaults 1000, 5000, 1000). */
  rollout?: { intervalMs?: number; leaseTtlMs?: number; pushMs?: number }
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
  /** Every observer behind one fan-out (configure on swap, afterReply, flush before a scrape, close). */
  observers: Observers
  /** The state store wired to the runtime (admin writes, audit, other replicas' changes). */
  release: ReleaseControl
  /** This process's rollout counts, driver and commands. */
  rollout: RolloutWiring
  close (): Promise<void>
}

export async function buildApp (deps: AppDeps): Promise<App> {
  const metrics = createMetrics(deps.registry, { defaultMetrics: deps.defaultMetrics })
  const transforms = new TransformRegistry()
  const runtime = new Runtime(deps.config, await transforms.load(deps.config))
  followRuntime(metrics, runtime)
  let origins = originSettings(deps.config)
  runtime.onSwap((s) => { origins = originSettings(s.config) })
  const primaryAgent = createAgent(() => origins, 'primary')
  const shadowAgent = createAgent(() => origins, 'shadow')
  const random = deps.random ?? Math.random
  const replica = deps.replica ?? randomUUID()
  // Rollouts: one driver per process on the app's store; every call and shadow comparison is counted.
  const rollout = new RolloutWiring({ store: deps.store, replica, runtime, metrics, log: deps.logger, onWrite: (state) => { release.applyOwnWrite(state) }, ...deps.rollout })
  const shadow = new ShadowDispatcher({
    agent: shadowAgent,
    metrics,
    log: deps.logger,
    random,
    onComparison: rollout.comparison
  })
  const drift = new DriftMonitor({ metrics, log: deps.logger })
  const observers = new Observers([shadow, drift, rollout.observer], deps.logger)
  observers.configure(runtime.snapshot)
  runtime.onSwap((s) => { observers.configure(s) })
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
    return503OnClosing: true,
    ...serverOptions(deps.config.server)
  })
  installServerLimits(data, deps.config.server)
  // Inference bodies are read as bytes (fastify enforces bodyLimit here) and parsed by the handler,
  // which validates them and forwards the same bytes: one parse, no re-serialisation.
  data.removeAllContentTypeParsers()
  data.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => { done(null, body) })
  let closing = false
  data.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id)
    // While draining, tell keep-alive clients to go: server.close() only drops connections that are
    // idle when it is called, so a connection whose request was in flight would hold shutdown open.
    if (closing) reply.header('connection', 'close')
    done(null, payload)
  })
  installErrorHandling(data)
  registerInferRoutes(data, { runtime, metrics, dispatcher: primaryAgent, random, observers, tracing: deps.tracing ?? false })
  registerHealthRoutes(data, runtime, deps.version ?? '0.0.0')

  // Release control: the store's overrides layered over the file, before anything serves.
  const release = new ReleaseControl({ store: deps.store, runtime, metrics, log: deps.logger, replica })
  await release.start()

  const admin = await buildAdminApp({ logger: deps.logger, registry: deps.registry, runtime, shadow, drift, release, rollout, flush: () => { observers.flush() }, adminToken: deps.adminToken })

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
    observers,
    release,
    rollout,
    async start () {
      await prober.probeAll()
      prober.start()
      rollout.start()
    },
    async reload (config: Config) {
      const previous = runtime.snapshot.config
      const loaded = await transforms.load(config)
      runtime.applyConfig(config, loaded)
      // Synchronously after the swap: the overrides are re-layered before any request sees the new file.
      await release.configChanged(previous)
      metrics.configReloads.labels('success').inc()
      prober.probeAll().catch((err: unknown) => { deps.logger.error({ err }, 'readiness probe round failed') })
    },
    async close () {
      closing = true
      prober.stop()
      await rollout.close()
      release.close()
      await data.close()
      await admin.close()
      await observers.close()
      await primaryAgent.close()
      await shadowAgent.destroy()
    }
  }
}
