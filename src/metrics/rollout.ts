/**
 * Setters for the rollout metrics: the candidate's weight at the current step (0-1), the state as one
 * series per state (1 on the current one, so `headliner_rollout_state{state="running"} == 1` selects
 * running rollouts), gate results, and the heartbeat the stalled-rollout alert watches.
 */
import { ROLLOUT_STATES, type Metrics } from './metrics.js'

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
