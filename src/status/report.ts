/**
 * The JSON of `GET /status` (documented in docs/status.md): per model its versions with their 1- and
 * 5-minute numbers and a 5-minute timeline, the shadow pairs, drift, the last config reload, the
 * rollout if one exists, and the verdict with its reasons. Built from small interfaces so that
 * whoever owns the runtime, the drift monitor and the rollouts can feed it without this module
 * importing them.
 */
import type { StatusThresholds } from './config.js'
import { DEFAULT_STATUS_THRESHOLDS } from './config.js'
import type { Timeline } from './windows.js'
import {
  EXIT_CODES, decide, worstVerdict,
  type AgreementStats, type DriftFacts, type ReloadFacts, type Role, type RolloutFacts, type StatusVerdict,
  type TrafficStats, type WindowName
} from './verdict.js'

/** One version as the routing table has it now. */
export interface VersionDescription {
  name: string
  role: Role
  /** Percent of primary traffic, 0-100 (0 for a shadow). */
  weight: number
  /** Percent of primary traffic copied to it, for a shadow. */
  mirror?: number
  ready: boolean
  reason: string
}

export interface ModelDescription {
  model: string
  versions: VersionDescription[]
  /** The model's `status:` thresholds; the defaults when absent. */
  thresholds?: Readonly<StatusThresholds>
}

/** A rollout with its plan and its decisions so far, newest last. */
export interface RolloutSummary extends RolloutFacts {
  /** The candidate weights the plan walks through, in percent. */
  steps?: number[]
  decisions?: { at: number; step: number; result: string; reason: string }[]
}

/** What the windows object offers the report (StatusWindows implements it). */
export interface WindowsReader {
  traffic (model: string, version: string, role: 'primary' | 'shadow'): Record<WindowName, TrafficStats>
  pairs (model: string): { primary: string; shadow: string; windows: Record<WindowName, AgreementStats> }[]
  timeline (model: string, version: string, role: 'primary' | 'shadow'): Timeline
}

export interface StatusSources {
  now: () => number
  windows: WindowsReader
  models: () => readonly ModelDescription[]
  drift?: (model: string) => DriftFacts | null | undefined
  /** The last config reload; null before any. */
  reload?: () => ReloadFacts | null
  rollout?: (model: string) => RolloutSummary | null | undefined
}

export interface VersionReport extends VersionDescription {
  windows: Record<WindowName, TrafficStats>
  timeline: Timeline
}

export interface ModelReport {
  model: string
  verdict: StatusVerdict
  reasons: string[]
  thresholds: StatusThresholds
  versions: VersionReport[]
  shadows: { primary: string; shadow: string; windows: Record<WindowName, AgreementStats> }[]
  drift: DriftFacts | null
  reload: ReloadFacts | null
  rollout?: RolloutSummary
}

export interface StatusReport {
  generatedAt: string
  /** The worst model verdict (no models: insufficient_data). */
  verdict: StatusVerdict
  /** What `headliner status` exits with for this verdict. */
  exitCode: number
  models: ModelReport[]
}

/**
 * Builds the status of every model, or of one when `model` is given (unknown: no models).
 * @example buildStatus({ now: Date.now, windows, models: () => described }).verdict // 'healthy'
 */
export function buildStatus (src: StatusSources, model?: string): StatusReport {
  const reload = src.reload?.() ?? null
  const models = src.models().filter((m) => model === undefined || m.model === model).map((m): ModelReport => {
    const versions = m.versions.map((v): VersionReport => {
      const role = v.role === 'shadow' ? 'shadow' : 'primary'
      return { ...v, windows: src.windows.traffic(m.model, v.name, role), timeline: src.windows.timeline(m.model, v.name, role) }
    })
    const shadows = src.windows.pairs(m.model)
    const drift = src.drift?.(m.model) ?? null
    const rollout = src.rollout?.(m.model) ?? undefined
    const thresholds = { ...(m.thresholds ?? DEFAULT_STATUS_THRESHOLDS) }
    const { verdict, reasons } = decide({ model: m.model, versions, shadows, drift, reload, rollout }, thresholds)
    return { model: m.model, verdict, reasons, thresholds, versions, shadows, drift, reload, ...(rollout !== undefined ? { rollout } : {}) }
  })
  const verdict = worstVerdict(models.map((m) => m.verdict))
  return { generatedAt: new Date(src.now()).toISOString(), verdict, exitCode: EXIT_CODES[verdict], models }
}
