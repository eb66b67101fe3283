/**
 * The metrics that follow the runtime's snapshots: route weights and version readiness (gauges
 * reset and set from each snapshot's tables), and the zero series a config implies (created once per
 * config, not per readiness flip). A swap listener, so the kernel itself has no metric side effect.
 */
import type { Runtime } from '../runtime/runtime.js'
import type { Snapshot } from '../runtime/snapshot.js'
import { resetRouteWeights, setRouteWeight } from './control-plane.js'
import type { Metrics } from './metrics.js'
import { zeroSeries } from './zero.js'

/** Set the gauges from the current snapshot and keep them following every swap; returns the unsubscribe. */
export function followRuntime (metrics: Metrics, runtime: Runtime): () => void {
  let config = runtime.snapshot.config
  zeroSeries(metrics, config)
  setGauges(metrics, runtime.snapshot)
  return runtime.onSwap((s) => {
    // The series a config implies exist from its load on; readiness flips need not repeat this.
    if (s.config !== config) {
      config = s.config
      zeroSeries(metrics, config)
    }
    setGauges(metrics, s)
  })
}

export function setGauges (metrics: Metrics, snapshot: Snapshot): void {
  resetRouteWeights(metrics)
  metrics.versionReady.reset()
  metrics.versionUpstreamPending.reset()
  for (const [name, model] of snapshot.models) {
    for (const v of model.versions.values()) metrics.versionUpstreamPending.labels(name, v.name).set(v.next === undefined ? 0 : 1)
    // The gauges show what the table routes by (a shadow's weight is 0 there, whatever the file says).
    for (const v of model.table.versions) {
      // headliner_route_weight_ratio (0-1) and the deprecated percent gauge, kept one release.
      setRouteWeight(metrics, name, v.name, v.weight)
      metrics.versionReady.labels(name, v.name).set(v.ready ? 1 : 0)
    }
  }
}
