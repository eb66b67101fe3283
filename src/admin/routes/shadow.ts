/** GET /admin/models/{m}/shadow and .../shadow/diffs: shadow comparison summaries and recent disagreements (read role). */
import { errors } from '../../errors.js'
import type { AdminRoutes } from '../deps.js'

export const shadowRoutes: AdminRoutes = ({ runtime, shadow }) => async (api) => {
  api.get<{ Params: { model: string } }>('/admin/models/:model/shadow', async (request) => {
    const m = runtime.require(request.params.model)
    const stats = shadow.summary(m.name)
    return {
      model: m.name,
      inflight: shadow.inflight(m.name),
      maxInflight: m.config.shadow.maxInflight,
      agreementRule: m.config.shadow.agreement,
      // the order raw tensors are read in; null: unknown, so a spec'd shadow's comparisons are incomparable
      featureOrder: m.featureOrder ?? null,
      shadows: m.table.shadows.map((v) => ({
        version: v.name,
        mirror: v.mirror,
        ready: v.ready,
        pairs: stats.filter((s) => s.shadow === v.name)
      }))
    }
  })

  api.get<{ Params: { model: string }; Querystring: { limit?: string } }>('/admin/models/:model/shadow/diffs', async (request) => {
    const m = runtime.require(request.params.model)
    const raw = request.query.limit
    const limit = raw === undefined ? undefined : Number(raw)
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw errors.badRequest('limit', `must be a positive integer, got "${raw}"`)
    return { model: m.name, diffs: shadow.diffs(m.name, limit) }
  })
}
