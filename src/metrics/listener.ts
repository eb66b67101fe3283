/**
 * The /metrics route, and the metrics listener of its own (config `metrics: { host, port }`). The
 * admin port always serves /metrics; the listener serves it too, and nothing else, so Prometheus can
 * scrape the pod IP while the admin API stays on 127.0.0.1. Every other path there is a JSON 404:
 * no token opens anything on that port.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { OpenMetricsContentType, Registry } from 'prom-client'
import { installErrorHandling } from '../error-handler.js'
import { renderMetrics } from './exposition.js'

export interface MetricsRouteDeps {
  registry: Registry | Registry<OpenMetricsContentType>
  /** Bring every observer's accumulated state into the registry (before a scrape). */
  flush: () => void
}

/** `GET /metrics` on `app`: text, or OpenMetrics (with exemplars) when the scraper prefers it. */
export function registerMetricsRoute (app: FastifyInstance, deps: MetricsRouteDeps): void {
  app.get('/metrics', async (request, reply) => {
    // Observers (drift) accumulate counts in arrays on the request path; they reach the counters here.
    deps.flush()
    const { contentType, body } = await renderMetrics(deps.registry, request.headers.accept)
    return reply.type(contentType).send(body)
  })
}

/**
 * A fastify instance that serves /metrics only, for serve to listen on `config.metrics`.
 * @example const server = buildMetricsApp({ logger, registry, flush: () => app.observers.flush() }); await server.listen(config.metrics)
 */
export function buildMetricsApp (deps: MetricsRouteDeps & { logger: Logger }): FastifyInstance {
  const app = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }) })
  installErrorHandling(app)
  registerMetricsRoute(app, deps)
  return app
}
