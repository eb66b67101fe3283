/** GET /admin/models/{m}/drift: the drift verdict of a model against its reference profile (read role). */
import { errors } from '../../errors.js'
import type { AdminRoutes } from '../deps.js'

export const driftRoutes: AdminRoutes = ({ runtime, drift }) => async (api) => {
  api.get<{ Params: { model: string } }>('/admin/models/:model/drift', async (request) => {
    const m = runtime.require(request.params.model)
    const status = drift.status(m.name)
    if (status === undefined) throw errors.badRequest(`models.${m.name}.drift`, 'drift is not configured for this model (no reference profile)')
    return status
  })
}
