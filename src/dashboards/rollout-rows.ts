/**
 * Dashboard row about phased rollouts: where the candidate's weight stands, what the gates said, and
 * whether a rollout was rolled back. Panel ids are `row * 100 + n` and never reused. Empty until the
 * rollout driver sets the rollout metrics (src/metrics/control-plane.ts).
 */
import { row, stat, timeseries, type Section } from './panels.js'
import { MODEL, MODEL_VERSION } from './promql.js'

/** Weight by version as a ratio; the deprecated percent gauge stands in for gateways of the last release. */
export const WEIGHT_RATIO = `max by (version) (headliner_route_weight_ratio{${MODEL_VERSION}}) or max by (version) (headliner_route_weight_percent{${MODEL_VERSION}}) / 100`

/** Row 7: how far is the rollout, and what do its gates say? */
export function rolloutSection (): Section {
  return {
    row: row(700, 'Rollout'),
    panels: [
      timeseries({
        id: 701, title: 'Rollout step: candidate weight', unit: 'percentunit', min: 0, max: 1, w: 8,
        description: 'The candidate\'s weight at the current step of the model\'s phased rollout (headliner_rollout_step, 0-1). Max over replicas: the driver sets it.',
        queries: [{ expr: `max(headliner_rollout_step{${MODEL}})`, legend: 'candidate' }]
      }),
      timeseries({
        id: 702, title: 'Weight by version over time', unit: 'percentunit', min: 0, max: 1, w: 8, stack: true,
        description: 'Traffic weight of every version: the steps of a rollout show as stairs; a rollback as a drop back to the pre-rollout weights.',
        queries: [{ expr: WEIGHT_RATIO, legend: '{{version}}' }]
      }),
      timeseries({
        id: 703, title: 'Rollout state', unit: 'none', min: 0, max: 1, w: 8,
        description: 'headliner_rollout_state: 1 on the current state (running, paused, promoted, rolled_back, aborted).',
        queries: [{ expr: `max by (state) (headliner_rollout_state{${MODEL}})`, legend: '{{state}}' }]
      }),
      timeseries({
        id: 704, title: 'Gate results', unit: 'short', min: 0, w: 16, bars: true, stack: true,
        description: 'Gate evaluations per interval by gate and result (pass, fail, inconclusive), summed over replicas. A fail aborts or rolls back; inconclusive waits for more samples.',
        queries: [{ expr: `sum by (gate, result) (increase(headliner_rollout_gate_evaluations_total{${MODEL}}[$__rate_interval]))`, legend: '{{gate}} {{result}}' }]
      }),
      stat({
        id: 705, title: 'Rolled back in the time range', unit: 'none', w: 8,
        description: 'Whether the model\'s rollout was in rolled_back at any moment of the dashboard\'s time range (alert HeadlinerRolloutRolledBack; runbook in docs/runbooks.md).',
        queries: [{ expr: `max(max_over_time(headliner_rollout_state{${MODEL},state="rolled_back"}[$__range]))`, legend: 'rolled back' }],
        mappings: { 0: ['no', 'green'], 1: ['rolled back', 'red'] }
      })
    ]
  }
}
