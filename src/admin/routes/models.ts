/** GET /admin/models: each model's versions as the routing table has them (read role). */
import type { AdminRoutes } from '../deps.js'
import { versionSummaries } from '../status.js'

export const modelRoutes: AdminRoutes = ({ runtime }) => async (api) => {
  api.get('/admin/models', async () => ({
    models: [...runtime.snapshot.models.values()].map((m) => ({ name: m.name, versions: versionSummaries(m) }))
  }))
}
