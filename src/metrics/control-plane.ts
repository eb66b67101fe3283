/**
 * Setters for the metrics of the gateway's own state: build info, traffic weights as a ratio, config
 * reloads as gauges the way Prometheus reports its own, state store health, admin changes, and the
 * rollout metrics (the candidate's weight at the current step, 0-1; the state as one series per state,
 * 1 on the current one, so `headliner_rollout_state{state="running"} == 1` selects running rollouts;
 * gate results; the heartbeat the stalled-rollout alert watches). Call sites pass the clock.
 */
import { ROLLOUT_STATES, type Metrics } from './metrics.js'

/**
 * `headliner_build_info{version,node} 1`, set once at start.
 * @example setBuildInfo(metrics, pkg.version, process.version)
 */
export function setBuildInfo (metrics: Metrics, version: string, node: string): void {
  metrics.buildInfo.reset()
  metrics.buildInfo.labels(version, node).set(1)
}

/**
 * A version's traffic weight in both forms: `headliner_route_weight_ratio` (0-1) and the deprecated
 * `headliner_route_weight_percent` (kept one release). `percent` is the config's 0-100 weight.
 * @example setRouteWeight(metrics, 'hit-predictor', 'v2', 25) // ratio 0.25, percent 25
 */
export function setRouteWeight (metrics: Metrics, model: string, version: string, percent: number): void {
  metrics.routeWeight.labels(model, version).set(percent)
  metrics.routeWeightRatio.labels(model, version).set(percent / 100)
}

/** Forgets every version's weight (before setting those of a new config: removed versions vanish). */
export function resetRouteWeights (metrics: Metrics): void {
  metrics.routeWeight.reset()
  metrics.routeWeightRatio.reset()
}

/**
 * The initial config load: sets the reload gauges (successful, success timestamp) so that they exist
 * from the start, without counting a reload: `headliner_config_reloads_total` counts changes only.
 * @example recordConfigLoad(metrics, Date.now)
 */
export function recordConfigLoad (metrics: Metrics, nowMs: () => number): void {
  metrics.configLastReloadSuccessful.set(1)
  metrics.configLastReloadSuccessTimestamp.set(nowMs() / 1000)
}

/**
 * A config reload attempt (after the initial load, recordConfigLoad): counts it by result and sets
 * `headliner_config_last_reload_successful` (and, on success, the success timestamp).
 * @example recordConfigReload(metrics, true, Date.now)
 */
export function recordConfigReload (metrics: Metrics, ok: boolean, nowMs: () => number): void {
  metrics.configReloads.labels(ok ? 'success' : 'failure').inc()
  metrics.configLastReloadSuccessful.set(ok ? 1 : 0)
  if (ok) metrics.configLastReloadSuccessTimestamp.set(nowMs() / 1000)
}

/** `headliner_state_store_up{store}` after each store call (or health check): 1 reached, 0 not. */
export function setStateStoreUp (metrics: Metrics, store: string, up: boolean): void {
  metrics.stateStoreUp.labels(store).set(up ? 1 : 0)
}

/**
 * One change through the admin API. `actor` is the token's name, never the token: label values end
 * up in every scrape.
 * @example recordAdminChange(metrics, 'set_weights', 'ops')
 */
export function recordAdminChange (metrics: Metrics, action: string, actor: string): void {
  metrics.adminChanges.labels(action, actor).inc()
}

export type RolloutState = typeof ROLLOUT_STATES[number]
export type GateResult = 'pass' | 'fail' | 'inconclusive'

/** What one evaluation of a model's rollout decided. */
export interface RolloutEvaluation {
  /** The candidate's weight after the evaluation, 0-1. */
  step: number
  state: RolloutState
  gates: ReadonlyArray<{ gate: string, result: GateResult }>
}

/**
 * Sets the state series of a model: 1 on `state`, 0 on the others (all exist, so a panel or an alert
 * sees the change from 1 to 0 instead of a vanished series).
 */
export function setRolloutState (metrics: Metrics, model: string, state: RolloutState): void {
  for (const s of ROLLOUT_STATES) metrics.rolloutState.labels(model, s).set(s === state ? 1 : 0)
}

/**
 * Records one evaluation by the rollout driver: step, state, one count per gate result, heartbeat.
 * @example recordRolloutEvaluation(metrics, 'hit-predictor', { step: 0.1, state: 'running', gates: [{ gate: 'errors', result: 'pass' }] }, Date.now)
 */
export function recordRolloutEvaluation (metrics: Metrics, model: string, evaluation: RolloutEvaluation, nowMs: () => number): void {
  if (!(evaluation.step >= 0 && evaluation.step <= 1)) throw new RangeError(`rollout step of ${model} must be a ratio 0-1, got ${evaluation.step}`)
  metrics.rolloutStep.labels(model).set(evaluation.step)
  setRolloutState(metrics, model, evaluation.state)
  for (const g of evaluation.gates) metrics.rolloutGateEvaluations.labels(model, g.gate, g.result).inc()
  metrics.rolloutLastEvaluation.labels(model).set(nowMs() / 1000)
}
