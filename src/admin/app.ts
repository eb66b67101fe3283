/**
 * The admin plane, on its own port (127.0.0.1:9901 by default): Prometheus metrics now; the
 * authenticated admin API, status and rollouts mount here as they arrive.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { Runtime } from '../gateway/runtime.js'
import { installErrorHandling } from '../app.js'

export interface AdminDeps {
  logger: Logger
  registry: Registry
  runtime: Runtime
}

export async function buildAdminApp (deps: AdminDeps): Promise<FastifyInstance> {
  const admin = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }) })
  installErrorHandling(admin)
  admin.get('/metrics', async (_request, reply) => {
    const text = await deps.registry.metrics()
    return reply.type(deps.registry.contentType).send(text)
  })
  return admin
}
