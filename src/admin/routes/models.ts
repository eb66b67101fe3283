/**
 * GET /admin/models: each model's versions as the routing table has them, and its weights and
 * mirrors three ways: the file's, the state store's overrides, and the effective result, and its
 * rollout's state and last decision (null when none) (read role).
 */
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
import { RolloutWiring } from '../../rollout/wiring.js'

export const modelRoutes: AdminRoutes = ({ runtime, release }) => async (api) => {
  api.get('/admin/models', async () => ({
    revision: release.state.revision,
    models: [...runtime.snapshot.models.values()].map((m) => {
      const versions = Object.entries(m.config.versions)
      const overrides = release.state.models[m.name]
      return {
        name: m.name,
        versions: versionSummaries(m),
        file: {
          weights: Object.fromEntries(versions.filter(([, v]) => v.mirror === undefined).map(([n, v]) => [n, v.weight])),
          mirrors: Object.fromEntries(versions.filter(([, v]) => v.mirror !== undefined).map(([n, v]) => [n, v.mirror]))
        },
        overrides: { weights: overrides?.weights ?? {}, mirrors: overrides?.mirrors ?? {} },
        effective: {
          weights: Object.fromEntries(m.table.versions.filter((v) => v.mirror === undefined).map((v) => [v.name, v.weight])),
          mirrors: Object.fromEntries(m.table.versions.filter((v) => v.mirror !== undefined).map((v) => [v.name, v.mirror]))
        },
        rollout: RolloutWiring.summary(overrides)
      }
    })
  }))
}
