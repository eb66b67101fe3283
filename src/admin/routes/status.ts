/**
 * GET /status[?model=m]: every model's verdict with its reasons, per version its 1- and 5-minute
 * numbers, the shadow pairs, drift, the last reload and the rollout (read role). The shape is in
 * docs/status.md; `headliner status` and the console read it.
 */
import { buildStatus } from '../../status/report.js'
import type { AdminRoutes } from '../deps.js'

export const statusRoutes: AdminRoutes = (deps) => async (api) => {
  api.get<{ Querystring: { model?: string } }>('/status', async (request) => {
    // An unknown model is a 404 naming it, not an empty report a script could misread.
    const model = request.query.model === undefined ? undefined : deps.runtime.require(request.query.model).name
    // Drift counts accumulate on the request path; they reach the windows' readers here.
    deps.flush()
    return { ...buildStatus(deps.status, model), state: deps.release.health() }
  })
}
