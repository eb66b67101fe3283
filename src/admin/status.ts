/**
 * GET /status: how each model is doing, in one answer with a verdict and the reasons. Built from
 * what the gateway already knows (readiness, routing weights, shadow summaries, drift windows); the
 * on-call `headliner status` command will read this.
 */
import type { Runtime } from '../gateway/runtime.js'
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

export function modelStatuses (runtime: Runtime, shadow: ShadowDispatcher, drift: DriftMonitor): { verdict: Health; models: ModelStatus[] } {
  drift.flush()
  const models = [...runtime.snapshot.models.values()].map((m): ModelStatus => {
    const reasons: string[] = []
    const versions = m.table.versions.map((v) => {
      const readiness = m.versions.get(v.name)!.readiness
      if (!v.ready && v.weight > 0) reasons.push(`${v.name} (weight ${v.weight}) is not ready: ${readiness.reason}`)
      return { name: v.name, weight: v.weight, ...(v.mirror !== undefined ? { mirror: v.mirror } : {}), ready: v.ready, reason: readiness.reason }
    })
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
