/**
 * The admin plane, on its own port (127.0.0.1:9901 by default): Prometheus metrics (open, for
 * scrapers) and the admin API under /admin (bearer token). Status and rollouts mount here as they
 * arrive.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { Runtime } from '../runtime/runtime.js'
import type { ShadowDispatcher } from '../shadow/dispatcher.js'
import type { DriftMonitor } from '../drift/monitor.js'
import { installErrorHandling } from '../error-handler.js'
import { errors } from '../errors.js'
import { bearerAuth } from './auth.js'
import { modelStatuses, versionSummaries } from './status.js'

export interface AdminDeps {
  logger: Logger
  registry: Registry
  runtime: Runtime
  shadow: ShadowDispatcher
  drift: DriftMonitor
  /** Bring every observer's accumulated state into the registry and the status reads (before a scrape). */
  flush: () => void
  /** Bearer token of the admin API; undefined disables it. */
  adminToken: string | undefined
}

export async function buildAdminApp (deps: AdminDeps): Promise<FastifyInstance> {
  const { runtime, shadow } = deps
  const admin = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }) })
  installErrorHandling(admin)
  admin.get('/metrics', async (_request, reply) => {
    // Observers (drift) accumulate counts in arrays on the request path; they reach the counters here.
    deps.flush()
    const text = await deps.registry.metrics()
    return reply.type(deps.registry.contentType).send(text)
  })

  await admin.register(async (api) => {
    api.addHook('onRequest', bearerAuth(deps.adminToken))

    api.get('/status', async () => modelStatuses(runtime, shadow, deps.drift))

    api.get('/admin/models', async () => ({
      models: [...runtime.snapshot.models.values()].map((m) => ({ name: m.name, versions: versionSummaries(m) }))
    }))

    api.get<{ Params: { model: string } }>('/admin/models/:model/shadow', async (request) => {
      const m = runtime.require(request.params.model)
      const stats = shadow.summary(m.name)
      return {
        model: m.name,
        inflight: shadow.inflight(m.name),
        maxInflight: m.config.shadow.maxInflight,
        agreementRule: m.config.shadow.agreement,
        shadows: m.table.shadows.map((v) => ({
          version: v.name,
          mirror: v.mirror,
          ready: v.ready,
          pairs: stats.filter((s) => s.shadow === v.name)
        }))
      }
    })

    api.get<{ Params: { model: string } }>('/admin/models/:model/drift', async (request) => {
      const m = runtime.require(request.params.model)
      const status = deps.drift.status(m.name)
      if (status === undefined) throw errors.badRequest(`models.${m.name}.drift`, 'drift is not configured for this model (no reference profile)')
      return status
    })

    api.get<{ Params: { model: string }; Querystring: { limit?: string } }>('/admin/models/:model/shadow/diffs', async (request) => {
      const m = runtime.require(request.params.model)
      const raw = request.query.limit
      const limit = raw === undefined ? undefined : Number(raw)
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw errors.badRequest('limit', `must be a positive integer, got "${raw}"`)
      return { model: m.name, diffs: shadow.diffs(m.name, limit) }
    })
  })
  return admin
}
