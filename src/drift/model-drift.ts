/**
 * One model's drift state as the monitor keeps it, and what it says: scores over the window per
 * feature and per version, the sample floor below which they mean nothing, and the verdict. Pure:
 * reads the state, changes nothing (the monitor's flush and /status both call it).
 */
import type { ClassCounts } from './class-counts.js'
import type { CompiledProfile } from './compile.js'
import { jsDistance, psi } from './math.js'
import type { ModelRuntime } from '../runtime/snapshot.js'
import { featureVerdict, modelVerdict, type Verdict } from './verdict.js'
import type { DriftWindow } from './window.js'

/** `requiredSamples`: the effective floor below which the verdict is insufficient_data (not just `minSamples`, see requiredSamples()). */
export interface FeatureStatus { feature: string; psi: number | null; js: number | null; samples: number; requiredSamples: number; verdict: Verdict }
export interface PredictionStatus { version: string; js: number | null; samples: number; requiredSamples: number; verdict: Verdict }
export interface DriftStatus {
  model: string
  reference: string
  verdict: Verdict
  reasons: string[]
  thresholds: { psiWarn: number; psiAlert: number; js: number; minSamples: number }
  features: FeatureStatus[]
  predictions: PredictionStatus[]
}

export interface ModelDrift {
  key: string
  model: string
  reference: string
  profile: CompiledProfile
  /** Column order of the input tensor, as feature indices into the profile (-1: not tracked). */
  columns: Int32Array
  window: DriftWindow
  /** Totals since start per feature and bin, and what the counters have been given so far. */
  counts: Float64Array[]
  exported: Float64Array[]
  predictions: Map<string, { window: DriftWindow; counts: Float64Array; exported: Float64Array }>
  /** Predicted classes the reference cannot judge (no prediction section, or no column order). */
  unreferenced: ClassCounts
  settings: DriftSettings
}

export type DriftSettings = NonNullable<ModelRuntime['config']['drift']>

/** The model's drift status now: its window scores, each judged, and the rolled-up verdict. */
export function driftStatus (d: ModelDrift): DriftStatus {
  const thresholds = { ...d.settings.thresholds, minSamples: d.settings.minSamples }
  const features: FeatureStatus[] = d.profile.features.map((f, fi) => {
    const samples = d.window.samples(fi)
    const required = requiredSamples(thresholds, f.labels.length)
    if (samples < required) return { feature: f.name, psi: null, js: null, samples, requiredSamples: required, verdict: 'insufficient_data' }
    const counts = d.window.counts(fi)
    const scores = { psi: psi(f.reference, counts), js: jsDistance(f.reference, counts), samples }
    return { feature: f.name, psi: scores.psi, js: scores.js, samples, requiredSamples: required, verdict: featureVerdict(scores, thresholds) }
  })
  const predictions: PredictionStatus[] = []
  const prediction = d.profile.prediction
  if (prediction !== undefined) {
    for (const [version, p] of d.predictions) {
      const samples = p.window.samples(0)
      const required = requiredSamples(thresholds, prediction.classes.length)
      if (samples < required) {
        predictions.push({ version, js: null, samples, requiredSamples: required, verdict: 'insufficient_data' })
        continue
      }
      const js = jsDistance(prediction.reference, p.window.counts(0))
      predictions.push({ version, js, samples, requiredSamples: required, verdict: featureVerdict({ psi: 0, js, samples }, thresholds) })
    }
  }
  const parts: Record<string, Verdict> = {}
  for (const f of features) parts[`feature ${f.feature}`] = f.verdict
  for (const p of predictions) parts[`prediction ${p.version}`] = p.verdict
  const rollup = modelVerdict(parts)
  return { model: d.model, reference: d.reference, verdict: rollup.verdict, reasons: rollup.reasons, thresholds, features, predictions }
}

/**
 * Samples a window needs before its scores mean anything: the configured minimum, and at least
 * enough that sampling noise alone stays below half the JS threshold. An empirical distribution of
 * n samples over k bins sits, with no drift at all, at an expected JS divergence of about
 * (k - 1) / (8 n) nats; requiring that to be at most (js / 2)^2 bits gives
 * n >= (k - 1) / (8 ln 2 (js / 2)^2): 650 samples for 10 bins and 5,100 for 72 classes at js = 0.1.
 * Below it the verdict is insufficient_data, so quiet hours raise no false alarm.
 */
export function requiredSamples (t: { minSamples: number; js: number }, bins: number): number {
  const half = t.js / 2
  const noiseFloor = half > 0 ? Math.ceil((bins - 1) / (8 * Math.LN2 * half * half)) : 0
  return Math.max(t.minSamples, noiseFloor)
}
