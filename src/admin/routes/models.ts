/** GET /admin/models: each model's versions as the routing table has them (read role). */
import type { ModelRuntime } from '../../runtime/snapshot.js'
import type { AdminRoutes } from '../deps.js'

export interface VersionSummary { name: string; weight: number; mirror?: number; ready: boolean; reason: string }

/** Each version as the table routes it: weight (0 for a shadow), mirror, readiness and its reason. */
export function versionSummaries (m: ModelRuntime): VersionSummary[] {
  return m.table.versions.map((v) => ({
    name: v.name,
    weight: v.weight,
    ...(v.mirror !== undefined ? { mirror: v.mirror } : {}),
    ready: v.ready,
    reason: m.versions.get(v.name)!.readiness.reason
  }))
}

export const modelRoutes: AdminRoutes = ({ runtime }) => async (api) => {
  api.get('/admin/models', async () => ({
    models: [...runtime.snapshot.models.values()].map((m) => ({ name: m.name, versions: versionSummaries(m) }))
  }))
}
