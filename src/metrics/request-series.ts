/**
 * The primary request path's series, resolved once per version of a snapshot instead of on every
 * observation. prom-client's `labels(...)` checks the values, builds a labels object and binds a
 * function each time; a request made five such calls (in flight up and down, the request counter,
 * two durations). Here the children are kept per `VersionRuntime` (and per `ModelRuntime` for the
 * in-flight gauge): those objects are rebuilt by every snapshot swap, so a WeakMap keyed by them
 * resolves each series once per snapshot and lets an old snapshot's go with it. None of these
 * metrics is ever reset, so a kept child never points at a dropped series.
 */
import type { ModelRuntime, VersionRuntime } from '../runtime/snapshot.js'
import type { Metrics } from './metrics.js'

type CounterChild = ReturnType<Metrics['requests']['labels']>
type HistogramChild = ReturnType<Metrics['upstreamDuration']['labels']>
type GaugeChild = ReturnType<Metrics['inflight']['labels']>

/** One primary version's children; the request counter's by route and status code, as they occur. */
export interface VersionSeries {
  readonly upstreamDuration: HistogramChild
  readonly requestDuration: HistogramChild
  requests (route: string, status: number): CounterChild
}

export class RequestSeries {
  readonly #metrics: Metrics
  readonly #versions = new WeakMap<VersionRuntime, VersionSeries>()
  readonly #inflight = new WeakMap<ModelRuntime, GaugeChild>()

  constructor (metrics: Metrics) {
    this.#metrics = metrics
  }

  /** `headliner_inflight_requests{model}`. */
  inflight (model: ModelRuntime): GaugeChild {
    let child = this.#inflight.get(model)
    if (child === undefined) {
      child = this.#metrics.inflight.labels(model.name)
      this.#inflight.set(model, child)
    }
    return child
  }

  /** The primary series of `version` of `model`. */
  version (model: ModelRuntime, version: VersionRuntime): VersionSeries {
    let series = this.#versions.get(version)
    if (series === undefined) {
      series = versionSeries(this.#metrics, model.name, version.name)
      this.#versions.set(version, series)
    }
    return series
  }
}

function versionSeries (metrics: Metrics, model: string, version: string): VersionSeries {
  const requests = new Map<string, CounterChild>()
  return {
    upstreamDuration: metrics.upstreamDuration.labels(model, version, 'primary'),
    requestDuration: metrics.requestDuration.labels(model, version, 'primary'),
    requests (route, status) {
      // route x status is small and bounded (route reasons x HTTP codes)
      const key = `${route} ${status}`
      let child = requests.get(key)
      if (child === undefined) {
        child = metrics.requests.labels(model, version, 'primary', route, String(status))
        requests.set(key, child)
      }
      return child
    }
  }
}
