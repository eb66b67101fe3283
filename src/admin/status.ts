/**
 * GET /status: how each model is doing, in one answer with a verdict and the reasons. Built from
 * what the gateway already knows (readiness, routing weights, shadow summaries, drift windows); the
 * on-call `headliner status` command will read this.
 */
import type { ModelRuntime, Runtime } from '../runtime/runtime.js'
import type { ShadowDispatcher } from '../shadow/dispatcher.js'
import type { DriftMonitor, DriftStatus } from '../drift/monitor.js'

export type Health = 'ok' | 'degraded' | 'down'

export interface ModelStatus {
  model: string
  verdict: Health
  reasons: string[]
  versions: { name: string; weight: number; mirror?: number; ready: boolean; reason: string }[]
  shadows: { primary: string; shadow: string; agreementRate: number | null; total: number }[]
  drift: DriftStatus | null
}

export type VersionSummary = ModelStatus['versions'][number]

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

export function modelStatuses (runtime: Runtime, shadow: ShadowDispatcher, drift: DriftMonitor): { verdict: Health; models: ModelStatus[] } {
  drift.flush()
  const models = [...runtime.snapshot.models.values()].map((m): ModelStatus => {
    const versions = versionSummaries(m)
    const reasons = versions.filter((v) => !v.ready && v.weight > 0).map((v) => `${v.name} (weight ${v.weight}) is not ready: ${v.reason}`)
    const d = drift.status(m.name) ?? null
    if (d !== null && (d.verdict === 'warn' || d.verdict === 'alert')) reasons.push(`drift ${d.verdict}: ${d.reasons.join(', ')}`)
    const verdict: Health = m.table.readyWeighted.length === 0 ? 'down' : reasons.length > 0 ? 'degraded' : 'ok'
    if (verdict === 'down') reasons.unshift('no ready version can serve')
    const shadows = shadow.summary(m.name).map((s) => ({ primary: s.primary, shadow: s.shadow, agreementRate: s.agreementRate, total: s.total }))
    return { model: m.name, verdict, reasons, versions, shadows, drift: d }
  })
  const worst: Health = models.some((m) => m.verdict === 'down') ? 'down' : models.some((m) => m.verdict === 'degraded') ? 'degraded' : 'ok'
  return { verdict: worst, models }
}
