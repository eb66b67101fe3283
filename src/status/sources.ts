/**
 * What `GET /status` is built from in a running gateway: the routing table (roles, weights, mirrors,
 * readiness and its reason), the status windows, the drift monitor, the last config reload and, when
 * a rollout driver is wired in, its rollouts. Pure adapters from the gateway's types to the report's
 * small interfaces (src/status/report.ts), so the report stays testable without a gateway.
 */
import type { DriftStatus } from '../drift/monitor.js'
import type { ModelRuntime, Snapshot } from '../runtime/snapshot.js'
import type { ModelDescription, RolloutSummary, StatusSources, WindowsReader } from './report.js'
import type { DriftFacts, ReloadFacts, Role } from './verdict.js'

/** How many drifting features a verdict names: enough to act on, short enough to read. */
const WORST_FEATURES = 3
const SEVERITY: Readonly<Record<DriftStatus['verdict'], number>> = Object.freeze({ alert: 3, warn: 2, ok: 1, insufficient_data: 0 })

export interface GatewayStatusDeps {
  now: () => number
  snapshot: () => Snapshot
  windows: WindowsReader
  drift?: { status (model: string): DriftStatus | undefined }
  reload?: () => ReloadFacts | null
  rollout?: (model: string) => RolloutSummary | null | undefined
}

export function gatewayStatusSources (deps: GatewayStatusDeps): StatusSources {
  return {
    now: deps.now,
    windows: deps.windows,
    models: () => [...deps.snapshot().models.values()].map((m) => describeModel(m, deps.rollout?.(m.name)?.candidate)),
    drift: (model) => driftFacts(deps.drift?.status(model)),
    ...(deps.reload !== undefined ? { reload: deps.reload } : {}),
    ...(deps.rollout !== undefined ? { rollout: deps.rollout } : {})
  }
}

/**
 * One model as the routing table has it now. A shadow is `shadow`; the version a rollout is moving
 * traffic to is `candidate`; every other version is `serving` (at its weight, possibly 0).
 */
export function describeModel (m: ModelRuntime, candidate?: string): ModelDescription {
  return {
    model: m.name,
    thresholds: m.config.status,
    versions: m.table.versions.map((v) => {
      const runtime = m.versions.get(v.name)
      const role: Role = runtime?.isShadow === true ? 'shadow' : v.name === candidate ? 'candidate' : 'serving'
      // The table's readiness also counts ejections; the probe's own reason would still say ok.
      const reason = !v.ready && runtime?.readiness.ready === true ? 'ejected by outlier detection' : runtime?.readiness.reason ?? 'unknown version'
      return { name: v.name, role, weight: role === 'shadow' ? 0 : v.weight, ...(v.mirror !== undefined ? { mirror: v.mirror } : {}), ready: v.ready, reason }
    })
  }
}

/** The drift verdict and its worst features (then predictions), most severe and largest score first. */
export function driftFacts (status: DriftStatus | undefined): DriftFacts | null {
  if (status === undefined) return null
  const scored = [
    ...status.features.filter((f) => f.js !== null).map((f) => ({ name: f.feature, verdict: f.verdict, psi: f.psi ?? undefined, js: f.js! })),
    ...status.predictions.filter((p) => p.js !== null).map((p) => ({ name: `prediction ${p.version}`, verdict: p.verdict, psi: undefined, js: p.js! }))
  ]
  scored.sort((a, b) => SEVERITY[b.verdict] - SEVERITY[a.verdict] || (b.psi ?? b.js) - (a.psi ?? a.js))
  const worst = scored.slice(0, WORST_FEATURES).map((f) => ({ name: f.name, ...(f.psi !== undefined ? { psi: f.psi } : {}), js: f.js }))
  return { verdict: status.verdict, worst }
}
