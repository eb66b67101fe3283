/** What every admin resource plugin gets: the runtime and the capabilities it reads or changes. */
import type { FastifyPluginAsync } from 'fastify'
import type { Logger } from 'pino'
import type { OpenMetricsContentType, Registry } from 'prom-client'
import type { Runtime } from '../runtime/runtime.js'
import type { ShadowDispatcher } from '../shadow/dispatcher.js'
import type { DriftMonitor } from '../drift/monitor.js'
import type { ReleaseControl } from '../release/control.js'
import type { StatusSources } from '../status/report.js'
import type { RolloutWiring } from '../rollout/wiring.js'

export interface AdminDeps {
  logger: Logger
  registry: Registry | Registry<OpenMetricsContentType>
  runtime: Runtime
  shadow: ShadowDispatcher
  drift: DriftMonitor
  /** Weights, mirrors, overrides and the audit trail through the state store. */
  release: ReleaseControl
  /** What GET /status is built from (src/status/sources.ts). */
  status: StatusSources
  /** Phased rollouts: the commands and this process's driver. */
  rollout: RolloutWiring
  /**
   * The env token (HEADLINER_ADMIN_TOKEN or its file): a `write` token named `admin`, beside the
   * config's `admin.tokens`. With neither, the API refuses every call.
   */
  adminToken: string | undefined
  /** Bring every observer's accumulated state into the registry and the status reads (before a scrape). */
  flush: () => void
}

/** A resource of the admin API: a fastify plugin over the same deps. */
export type AdminRoutes = (deps: AdminDeps) => FastifyPluginAsync
