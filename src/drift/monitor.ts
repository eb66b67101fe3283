/**
 * Drift at run time: an Observer that, after each reply, bins the request's features and the
 * primary's top-1 class against the model's reference profile. The hot path only does a binary
 * search and array increments; the Prometheus counters receive the accumulated deltas at scrape
 * time (`flush`), and the per-process PSI/JS gauges are computed there too, over a sliding window.
 */
import type { Logger } from 'pino'
import { ClassCounts, classOfColumn } from './class-counts.js'
import type { Metrics } from '../metrics/metrics.js'
import type { FinishedCall } from '../runtime/call.js'
import type { Observer } from '../runtime/observer.js'
import type { ModelRuntime, Snapshot } from '../runtime/snapshot.js'
import { rowsFromAnswer } from '../protocol/rows.js'
import { binIndex } from './bins.js'
import { compileProfile } from './compile.js'
import { loadProfile } from './profile.js'
import { DriftWindow } from './window.js'
import { driftStatus, type DriftSettings, type DriftStatus, type ModelDrift } from './model-drift.js'
import { extractRows } from './extract.js'
import type { Transform } from '../transform/types.js'
import { argmax } from '../vector.js'

export { requiredSamples, type DriftStatus, type FeatureStatus, type PredictionStatus } from './model-drift.js'

export class DriftMonitor implements Observer {
  readonly #metrics: Metrics
  readonly #log: Logger
  readonly #now: () => number
  #models = new Map<string, ModelDrift>()

  constructor (deps: { metrics: Metrics; log: Logger; now?: () => number }) {
    this.#metrics = deps.metrics
    this.#log = deps.log
    this.#now = deps.now ?? Date.now
  }

  /**
   * (Re)build per-model state for a snapshot; keeps state (and counters) of unchanged models. Runs on
   * every snapshot swap (readiness flips included), so deciding "unchanged" reads no file: only the
   * drift settings and the transform's columns and labels. The profile is read when a model is built.
   */
  configure (snapshot: Snapshot): void {
    const next = new Map<string, ModelDrift>()
    for (const model of snapshot.models.values()) {
      const drift = model.config.drift
      if (drift === undefined) continue
      const transform = modelTransform(model)
      const key = JSON.stringify([drift, transform?.features ?? null, transform?.labels ?? null])
      const prev = this.#models.get(model.name)
      if (prev?.key === key) {
        next.set(model.name, prev)
        continue
      }
      try {
        next.set(model.name, this.#build(model, drift, transform, key))
      } catch (err) {
        this.#log.error({ model: model.name, reference: drift.reference, err: { type: (err as Error).name, message: (err as Error).message } }, 'drift: reference profile not loaded; drift is off for this model')
      }
    }
    this.#models = next
  }

  #build (model: ModelRuntime, drift: DriftSettings, transform: Transform | undefined, key: string): ModelDrift {
    const profile = compileProfile(loadProfile(drift.reference), transform === undefined ? {} : { classes: transform.labels })
    // The input tensor's columns: the transform's features, else the profile's own order.
    const columnNames = transform?.features ?? profile.features.map((f) => f.name)
    const columns = Int32Array.from(columnNames.map((n) => profile.featureIndex[n] ?? -1))
    const m = this.#metrics
    for (const f of profile.features) {
      f.labels.forEach((bin, i) => {
        m.featureReferenceRatio.labels(model.name, f.name, bin).set(f.reference[i]!)
        m.featureObservations.labels(model.name, f.name, bin).inc(0)
      })
    }
    if (profile.prediction !== undefined) {
      const serving = [...model.versions.values()].filter((v) => !v.isShadow).map((v) => v.name)
      profile.prediction.classes.forEach((c, i) => {
        m.predictionReferenceRatio.labels(model.name, c).set(profile.prediction!.reference[i]!)
        // Every (version, class) series exists from the start, so increase() sees each first prediction.
        for (const version of serving) m.predictionClass.labels(model.name, version, c).inc(0)
      })
    }
    return {
      key,
      model: model.name,
      reference: drift.reference,
      profile,
      columns,
      window: new DriftWindow(profile.featureBinCounts, drift.window, this.#now),
      counts: profile.features.map((f) => new Float64Array(f.labels.length)),
      exported: profile.features.map((f) => new Float64Array(f.labels.length)),
      predictions: new Map(),
      unreferenced: new ClassCounts(),
      settings: drift
    }
  }

  wantsResponse (model: ModelRuntime): boolean {
    // the predicted class is counted per version with or without a reference for it
    return this.#models.has(model.name)
  }

  afterReply (call: FinishedCall): void {
    const d = this.#models.get(call.model.name)
    if (d === undefined || call.status !== 200 || call.upstreamError !== undefined) return
    this.#observeFeatures(d, call)
    if (call.responseBody !== undefined) this.#observePrediction(d, call)
  }

  #observeFeatures (d: ModelDrift, call: FinishedCall): void {
    const rows = extractRows(call.parsed, d.columns.length)
    if (rows === undefined) return
    const bins = new Int32Array(d.profile.features.length)
    for (const row of rows) {
      bins.fill(-1)
      for (let c = 0; c < d.columns.length; c++) {
        const f = d.columns[c]!
        if (f < 0) continue
        const x = typeof row === 'object' && !Array.isArray(row) ? (row as Record<string, unknown>)[d.profile.features[f]!.name] : (row as unknown[])[c]
        if (typeof x !== 'number') continue
        const bin = binIndex(d.profile.features[f]!.edges, x)
        bins[f] = bin
        if (bin >= 0) d.counts[f]![bin]!++
      }
      d.window.observeAll(bins)
    }
  }

  #observePrediction (d: ModelDrift, call: FinishedCall): void {
    const prediction = d.profile.prediction
    const body = call.responseJson()
    if (body === undefined) return
    const rows = rowsFromAnswer(call.upstreamKind, body)
    if (!rows.ok) return
    const labels = call.version.transform?.labels ?? prediction?.columns
    if (prediction === undefined || labels === undefined) {
      // Nothing to compare with (or no known column order): count the class, judge nothing.
      for (const row of rows.rows) d.unreferenced.add(call.version.name, classOfColumn(argmax(row), labels))
      return
    }
    let p = d.predictions.get(call.version.name)
    if (p === undefined) {
      p = { window: new DriftWindow([prediction.classes.length], d.settings.window, this.#now), counts: new Float64Array(prediction.classes.length), exported: new Float64Array(prediction.classes.length) }
      d.predictions.set(call.version.name, p)
    }
    for (const row of rows.rows) {
      const cls = prediction.index[classOfColumn(argmax(row), labels)]
      if (cls === undefined) continue
      p.counts[cls]!++
      p.window.observe(0, cls)
    }
  }

  /** Push counter deltas and recompute the window gauges; called before each scrape and by /status. */
  flush (): void {
    const m = this.#metrics
    for (const d of this.#models.values()) {
      d.profile.features.forEach((f, fi) => {
        const counts = d.counts[fi]!
        const exported = d.exported[fi]!
        for (let b = 0; b < counts.length; b++) {
          const delta = counts[b]! - exported[b]!
          if (delta > 0) {
            m.featureObservations.labels(d.model, f.name, f.labels[b]!).inc(delta)
            exported[b] = counts[b]!
          }
        }
      })
      d.unreferenced.flush(m, d.model)
      const prediction = d.profile.prediction
      if (prediction !== undefined) {
        for (const [version, p] of d.predictions) {
          for (let c = 0; c < p.counts.length; c++) {
            const delta = p.counts[c]! - p.exported[c]!
            if (delta > 0) {
              m.predictionClass.labels(d.model, version, prediction.classes[c]!).inc(delta)
              p.exported[c] = p.counts[c]!
            }
          }
        }
      }
      const status = driftStatus(d)
      for (const f of status.features) {
        if (f.psi === null || f.js === null) {
          m.featureDriftPsi.remove(d.model, f.feature)
          m.featureDriftJs.remove(d.model, f.feature)
        } else {
          m.featureDriftPsi.labels(d.model, f.feature).set(f.psi)
          m.featureDriftJs.labels(d.model, f.feature).set(f.js)
        }
      }
      for (const p of status.predictions) {
        if (p.js === null) m.predictionDriftJs.remove(d.model, p.version)
        else m.predictionDriftJs.labels(d.model, p.version).set(p.js)
      }
    }
  }

  status (model: string): DriftStatus | undefined {
    const d = this.#models.get(model)
    return d === undefined ? undefined : driftStatus(d)
  }
}

/** The transform of the model's first serving version that has one: it names the tensor's columns and the classes. */
function modelTransform (model: ModelRuntime): Transform | undefined {
  for (const v of model.versions.values()) if (!v.isShadow && v.transform !== undefined) return v.transform
  return undefined
}
