/**
 * The driver's RolloutMetrics on the gateway's prom-client metrics (src/metrics/metrics.ts): the
 * candidate's weight, one state series per state, gate evaluations by result, and the heartbeat the
 * stalled-rollout alert watches. The driver reports each part when it happens (the state on every
 * replica's tick, gates and heartbeat only on the lease holder), hence one setter per part.
 */
import { setRolloutState } from '../metrics/control-plane.js'
import type { Metrics } from '../metrics/metrics.js'
import type { RolloutMetrics } from './driver.js'

/** @example new RolloutDriver({ ..., metrics: rolloutMetrics(createMetrics(registry)) }) */
export function rolloutMetrics (metrics: Metrics): RolloutMetrics {
  return {
    step: (model, ratio) => metrics.rolloutStep.labels(model).set(ratio),
    state: (model, status) => setRolloutState(metrics, model, status),
    gate: (model, gate, result) => metrics.rolloutGateEvaluations.labels(model, gate, result).inc(),
    evaluated: (model, seconds) => metrics.rolloutLastEvaluation.labels(model).set(seconds)
  }
}
