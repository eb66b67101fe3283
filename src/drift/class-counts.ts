/**
 * Predicted top-1 classes per version where the reference profile cannot say what they should be
 * (no prediction section, or no known column order): counted for `headliner_prediction_class_total`
 * only, so the dashboard can still compare the versions' prediction mix. Counted on the hot path in
 * plain maps; the counter receives the deltas at scrape time (`flush`), like every drift count.
 */
import type { Metrics } from '../metrics/metrics.js'

export class ClassCounts {
  /** version -> class -> [counted, exported] */
  readonly #counts = new Map<string, Map<string, [number, number]>>()

  add (version: string, cls: string): void {
    let byClass = this.#counts.get(version)
    if (byClass === undefined) this.#counts.set(version, byClass = new Map())
    const c = byClass.get(cls)
    if (c === undefined) byClass.set(cls, [1, 0])
    else c[0]++
  }

  flush (metrics: Metrics, model: string): void {
    for (const [version, byClass] of this.#counts) {
      for (const [cls, c] of byClass) {
        if (c[0] === c[1]) continue
        metrics.predictionClass.labels(model, version, cls).inc(c[0] - c[1])
        c[1] = c[0]
      }
    }
  }
}

/**
 * The class name of an output column: the labels' own order (the transform's, else the profile's
 * `prediction.labels`), never a sorted list; the column index when no order is known.
 */
export function classOfColumn (column: number, labels: readonly string[] | undefined): string {
  return labels?.[column] ?? String(column)
}
