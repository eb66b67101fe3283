/**
 * Create the labelled counter series a config implies, at 0, when it loads. `rate()` and
 * `increase()` cannot see the first increment of a series that did not exist before it, so without
 * this the first upstream error or shadow disagreement of each kind would never show on a dashboard.
 */
import type { Config } from '../config/schema.js'
import type { Metrics } from './metrics.js'

const UPSTREAM_KINDS = ['timeout', 'connect', 'status', 'protocol', 'invalid_prediction'] as const
const SHADOW_OUTCOMES = ['sent', 'dropped', 'error', 'timeout'] as const
const COMPARISON_OUTCOMES = ['agree', 'disagree', 'shadow_error', 'primary_error', 'incomparable', 'skipped'] as const

export function zeroSeries (metrics: Metrics, config: Config): void {
  for (const result of ['success', 'failure']) metrics.configReloads.labels(result).inc(0)
  for (const [model, m] of Object.entries(config.models)) {
    const versions = Object.entries(m.versions)
    const primaries = versions.filter(([, v]) => v.mirror === undefined).map(([name]) => name)
    for (const [name, v] of versions) {
      for (const kind of UPSTREAM_KINDS) metrics.upstreamErrors.labels(model, name, kind).inc(0)
      if (v.transform !== undefined) for (const stage of ['pre', 'post']) metrics.transformErrors.labels(model, name, stage).inc(0)
      if (v.mirror === undefined) continue
      for (const outcome of SHADOW_OUTCOMES) metrics.shadowRequests.labels(model, name, outcome).inc(0)
      for (const primary of primaries) {
        for (const outcome of COMPARISON_OUTCOMES) metrics.shadowComparisons.labels(model, primary, name, outcome).inc(0)
      }
    }
  }
}
