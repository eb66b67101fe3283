/** GET /status: every model's verdict and its reasons, in one answer (read role); `state` is the state store's health. */
import type { AdminRoutes } from '../deps.js'
import { modelStatuses } from '../status.js'

export const statusRoutes: AdminRoutes = (deps) => async (api) => {
  api.get('/status', async () => ({ ...modelStatuses(deps.runtime, deps.shadow, deps.drift), state: deps.release.health() }))
}
