/**
 * buildApp(deps): compose the gateway from its capabilities. Nothing here reads env, listens or
 * installs signal handlers (that is main.ts); tests build the same thing with their own deps.
 */
import { randomUUID } from 'node:crypto'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { OpenMetricsContentType, Registry } from 'prom-client'
import { trace } from '@opentelemetry/api'
import type { Config } from './config/schema.js'
import { installErrorHandling } from './error-handler.js'
import { createMetrics, type Metrics } from './metrics/metrics.js'
import { followRuntime } from './metrics/runtime-gauges.js'
import { RequestSeries } from './metrics/request-series.js'
import { recordConfigLoad, recordConfigReload, setBuildInfo } from './metrics/control-plane.js'
import { createSpans } from './telemetry/spans.js'
import { followPools } from './proxy/pools.js'
import type { UpstreamPools } from './proxy/upstreams.js'
import { ReadinessProber } from './proxy/probe.js'
import { Ejections } from './proxy/ejections.js'
import { DEFAULT_OUTLIER } from './proxy/outlier.js'
import { Runtime } from './runtime/runtime.js'
import { Observers } from './runtime/observer.js'
import { registerInferRoutes } from './gateway/infer.js'
import { registerHealthRoutes } from './gateway/health.js'
import { buildAdminApp } from './admin/server.js'
import { ShadowDispatcher } from './shadow/dispatcher.js'
import { DriftMonitor } from './drift/monitor.js'
import { TransformRegistry } from './transform/registry.js'
import { checkContract } from './transform/contract.js'
import { installRateLimit } from './gateway/rate-limit.js'
import { installServerLimits, serverOptions } from './gateway/server-limits.js'
import { installAccounting } from './gateway/accounting.js'
import { errField, LazyChildLogger } from './telemetry/log-context.js'
import type { StateStore } from './state/index.js'
import { ReleaseControl } from './release/control.js'
import { StatusObserver } from './status/observer.js'
import { gatewayStatusSources } from './status/sources.js'
import type { ReloadFacts } from './status/verdict.js'
import { RolloutWiring } from './rollout/wiring.js'

export interface AppDeps {
  config: Config
  logger: Logger
  /** createRegistry({ exemplars: tracing }) in src/metrics/exposition.ts; a plain Registry in most tests. */
  registry: Registry | Registry<OpenMetricsContentType>
  /** Version string reported by GET /v2. */
  version?: string
  random?: () => number
  /** Prometheus default Node metrics (on by default). */
  defaultMetrics?: boolean
  /** Overrides the config's probe settings (tests). */
  probe?: { intervalMs: number; timeoutMs: number; unhealthyThreshold?: number; healthyThreshold?: number }
  /** Bearer token of the admin API (env HEADLINER_ADMIN_TOKEN); undefined disables the API. */
  adminToken?: string
  /** OpenTelemetry tracing was started (src/telemetry/tracing.ts). */
  tracing?: boolean
  /** Where runtime weights, mirrors and the audit trail live (created from `config.state` by the caller; closed by it). */
  store: StateStore
  /** This process's name among replicas (leases). Default: a random id. */
  replica?: string
  /** Clock of the status windows and reports, epoch ms (tests). Default Date.now. */
  now?: () => number
  /** The rollout driver's tick, lease and counts-push periods in ms (tests; defaults 1000, 5000, 1000). */
  rollout?: { intervalMs?: number; leaseTtlMs?: number; pushMs?: number }
}

export interface App {
  data: FastifyInstance
  admin: FastifyInstance
  runtime: Runtime
  metrics: Metrics
  prober: ReadinessProber
  primaryAgent: UpstreamPools
  shadowAgent: UpstreamPools
  shadow: ShadowDispatcher
  /** Passive outlier ejection of the primary versions. */
  ejections: Ejections
  /** Fail readiness from now on (the first step of a drain, src/gateway/drain.ts); the listener keeps serving. */
  startDraining (): void
  /** Probe the upstreams once and start periodic probing. */
  start (): Promise<void>
  /** Load a new validated config's transforms, swap it in, then probe the new versions. Throws (and swaps nothing) when a transform does not load. */
  reload (config: Config): Promise<void>
  drift: DriftMonitor
  /** Every observer behind one fan-out (configure on swap, afterReply, flush before a scrape, close). */
  observers: Observers
  /** The state store wired to the runtime (admin writes, audit, other replicas' changes). */
  release: ReleaseControl
  /** The 1- and 5-minute windows behind GET /status. */
  status: StatusObserver
  /** Records a config change refused before it reached reload() (invalid file): GET /status shows it as a reason. */
  reloadRefused (error: string): void
  /** This process's rollout counts, driver and commands. */
  rollout: RolloutWiring
  close (): Promise<void>
}

export async function buildApp (deps: AppDeps): Promise<App> {
  const metrics = createMetrics(deps.registry, { defaultMetrics: deps.defaultMetrics })
  setBuildInfo(metrics, deps.version ?? '0.0.0', process.version)
  // The reload gauges exist from the first load on (a dashboard's reload mark needs a first value).
  recordConfigLoad(metrics, Date.now)
  const transforms = new TransformRegistry()
  const runtime = new Runtime(deps.config, await transforms.load(deps.config))
  followRuntime(metrics, runtime)
  // Pools per origin, retired once no version uses the origin (src/proxy/pools.ts).
  const pools = followPools(runtime)
  const { primary: primaryAgent, shadow: shadowAgent, probe: probeAgent } = pools
  const random = deps.random ?? Math.random
  // Status: windows fed by every reply and every shadow comparison, and the last reload's outcome.
  const now = deps.now ?? Date.now
  const status = new StatusObserver({ now })
  let lastReload: ReloadFacts | null = null
  const reloaded = (ok: boolean, error?: string) => { lastReload = { ok, at: now(), ...(error !== undefined ? { error } : {}) } }
  // The global tracer: a no-op unless the OpenTelemetry SDK was started (src/telemetry/tracing.ts).
  const spans = createSpans(trace.getTracer('headliner', deps.version))
  const replica = deps.replica ?? randomUUID()
  // Rollouts: one driver per process on the app's store; every call and shadow comparison is counted.
  const rollout = new RolloutWiring({ store: deps.store, replica, runtime, metrics, log: deps.logger, onWrite: (state) => { release.applyOwnWrite(state) }, ...deps.rollout })
  const shadow = new ShadowDispatcher({
    agent: shadowAgent,
    metrics,
    log: deps.logger,
    random,
    spans,
    onComparison: (c) => {
      status.onComparison(c)
      if (c.outcome === 'agree' || c.outcome === 'disagree') rollout.comparison({ model: c.model, primary: c.primary, shadow: c.shadow, agree: c.outcome === 'agree' })
    }
  })
  const drift = new DriftMonitor({ metrics, log: deps.logger })
  const observers = new Observers([shadow, drift, status, rollout.observer], deps.logger)
  const statusSources = gatewayStatusSources({ now, snapshot: () => runtime.snapshot, windows: status.windows, drift, reload: () => lastReload, rollout: (m) => RolloutWiring.summary(release.state.models[m]) })
  observers.configure(runtime.snapshot)
  runtime.onSwap((s) => { observers.configure(s) })
  const ejections = new Ejections({
    runtime,
    metrics,
    log: deps.logger,
    settings: (name) => {
      const o = runtime.model(name)?.config.outlier
      return o === undefined ? DEFAULT_OUTLIER : { failures: o.failures, baseMs: o.baseEjectionMs, maxMs: o.maxEjectionMs }
    }
  })
  const prober = new ReadinessProber({
    runtime,
    agent: probeAgent,
    log: deps.logger,
    intervalMs: deps.probe?.intervalMs ?? deps.config.probe.intervalMs,
    timeoutMs: deps.probe?.timeoutMs ?? deps.config.probe.timeoutMs,
    unhealthyThreshold: deps.probe?.unhealthyThreshold ?? deps.config.probe.unhealthyThreshold,
    healthyThreshold: deps.probe?.healthyThreshold ?? deps.config.probe.healthyThreshold,
    onReady: (model, version) => { ejections.probedReady(model, version) },
    // A version whose transform contradicts its upstream's metadata must not serve: it would label nonsense.
    checkMetadata: (_model, version, metadata) => {
      if (version.transform === undefined) return { ok: true }
      const c = checkContract(version.transform, metadata)
      return c.ok ? { ok: true, tensors: { input: c.input, output: c.output } } : { ok: false, reason: `transform ${version.transform.file} does not match the upstream: ${c.reason}` }
    }
  })

  const data = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // One log line per response is written when it closes (src/gateway/accounting.ts) instead.
    logController: new LogController({ disableRequestLogging: true }),
    // Every request line's `err` has one shape (src/telemetry/log-context.ts); a request's child is
    // built only when something logs through request.log (the line per response does not).
    childLoggerFactory: (logger, bindings, opts) => new LazyChildLogger(() => logger.child(bindings, { ...opts, serializers: { ...opts.serializers, err: errField } }) as unknown as Logger) as unknown as FastifyBaseLogger,
    bodyLimit: deps.config.server.bodyLimitBytes,
    // A client's x-request-id is kept only when it is a short token; an 8 KB or JSON one is replaced,
    // so it is never echoed into answers and logs as it came.
    requestIdHeader: false,
    genReqId: (req) => clientRequestId(req.headers['x-request-id']) ?? randomUUID(),
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    ...serverOptions(deps.config.server)
  })
  // First: a request that a later hook refuses is still counted and logged (src/gateway/accounting.ts).
  const series = new RequestSeries(metrics)
  installAccounting(data, { runtime, metrics, series, lines: requestLines(deps.logger) })
  installServerLimits(data, deps.config.server)
  await installRateLimit(data, deps.config.server.rateLimit)
  // Inference bodies are read as bytes (fastify enforces bodyLimit here) and parsed by the handler,
  // which validates them and forwards the same bytes: one parse, no re-serialisation.
  data.removeAllContentTypeParsers()
  data.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => { done(null, body) })
  let closing = false
  let draining = false
  data.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id)
    // While draining, tell keep-alive clients to go: server.close() only drops connections that are
    // idle when it is called, so a connection whose request was in flight would hold shutdown open.
    // From the start of a drain, so keep-alive clients reconnect (through their balancer, to another
    // replica) while this one still serves, rather than meet a connection closed under them.
    if (closing || draining) reply.header('connection', 'close')
    done(null, payload)
  })
  installErrorHandling(data, { logs: false })
  registerInferRoutes(data, { runtime, metrics, series, dispatcher: primaryAgent, random, observers, tracing: deps.tracing ?? false, ejections, exposeUpstreamErrors: deps.config.server.exposeUpstreamErrors, spans })
  registerHealthRoutes(data, runtime, deps.version ?? '0.0.0', () => draining)

  // Release control: the store's overrides layered over the file, before anything serves.
  const release = new ReleaseControl({ store: deps.store, runtime, metrics, log: deps.logger, replica })
  await release.start()

  const admin = await buildAdminApp({ logger: deps.logger, registry: deps.registry, runtime, shadow, drift, release, rollout, status: statusSources, flush: () => { observers.flush() }, adminToken: deps.adminToken })

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
    status,
    reloadRefused (error: string) { reloaded(false, error) },
    ejections,
    startDraining () { draining = true },
    release,
    rollout,
    async start () {
      await prober.probeAll()
      prober.start()
      rollout.start()
    },
    async reload (config: Config) {
      const previous = runtime.snapshot.config
      try {
        runtime.applyConfig(config, await transforms.load(config))
      } catch (err) {
        const problems = (err as { problems?: string[] }).problems
        reloaded(false, problems?.join('; ') ?? (err as Error).message)
        throw err
      }
      // Synchronously after the swap: the overrides are re-layered before any request sees the new file.
      await release.configChanged(previous)
      reloaded(true)
      recordConfigReload(metrics, true, Date.now)
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
      await pools.close()
    }
  }
}

/**
 * The logger of the one line per response, built once. Without redaction: the logger's redact paths
 * name headers, and the line's fields are fixed in src/gateway/accounting.ts and carry none, so on
 * this line redaction was a deep copy of `req` and `res` for nothing (about a third of the line's
 * cost). A field added to that line must not carry a header or a credential.
 */
function requestLines (logger: Logger): Logger {
  return logger.child({}, { serializers: { err: errField }, redact: [] })
}

/** RFC 9110 token characters, at most 200 of them: what a client's `x-request-id` may be to be kept. */
const REQUEST_ID = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,200}$/

function clientRequestId (value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && REQUEST_ID.test(value) ? value : undefined
}
