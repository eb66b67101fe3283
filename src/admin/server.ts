/**
 * The admin plane, on its own port (127.0.0.1:9901 by default): Prometheus metrics and the console's
 * static files (open: a scraper and a browser need no token), and, behind the bearer-token hook,
 * GET /status and one small plugin per resource in routes/. Adding a resource is one file in
 * routes/ and its line in ROUTES.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { AdminDeps, AdminRoutes } from './deps.js'
import { registerConsole } from '../status/console-routes.js'
import { installErrorHandling } from '../error-handler.js'
import { registerMetricsRoute } from '../metrics/listener.js'
import { bearerAuth } from './auth.js'
import { adminTokens } from './tokens.js'
import { driftRoutes } from './routes/drift.js'
import { modelRoutes } from './routes/models.js'
import { shadowRoutes } from './routes/shadow.js'
import { statusRoutes } from './routes/status.js'
import { weightRoutes } from './routes/weights.js'
import { rolloutRoutes } from './routes/rollout.js'

export type { AdminDeps, AdminRoutes } from './deps.js'

export const ROUTES: readonly AdminRoutes[] = [statusRoutes, modelRoutes, shadowRoutes, driftRoutes, weightRoutes, rolloutRoutes]

export async function buildAdminApp (deps: AdminDeps): Promise<FastifyInstance> {
  const admin = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }) })
  installErrorHandling(admin)
  registerMetricsRoute(admin, deps)

  // The admin section is static (a restart applies it), so the tokens are read once.
  const tokens = adminTokens(deps.runtime.snapshot.config.admin.tokens, deps.adminToken)
  admin.decorateRequest('actor', undefined)
  // On the whole instance, not just the routes' scope: an unknown path is refused before it is a
  // 404, so the API's shape is not readable without a token, and a route added later is covered.
  const auth = bearerAuth(tokens)
  // Open: /metrics and the console's own files (they hold no data; the page asks for a token and
  // sends it on every API call). Matched by route, so /console/anything-else still needs a token.
  const open = new Set(['/metrics'])
  admin.addHook('onRequest', async (request, reply) => {
    if ((request.method === 'GET' || request.method === 'HEAD') && open.has(request.routeOptions.url ?? '')) return
    await auth(request, reply)
  })
  for (const path of await registerConsole(admin)) open.add(path)
  for (const routes of ROUTES) await admin.register(routes(deps))
  return admin
}
