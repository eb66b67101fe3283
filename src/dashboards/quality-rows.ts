/**
 * Dashboard rows about the model's answers: shadow comparison and drift. Panel ids are
 * `row * 100 + n` and never reused.
 */
import { barchart, row, timeseries, type Section, type Steps } from './panels.js'
import { MODEL, MODEL_VERSION, quantileQueries, rate, sumRate } from './promql.js'

/** PSI warn and alert levels (the drift verdict's defaults, docs/drift.md section 5). */
export const PSI_STEPS: Steps = [[0.1, 'orange'], [0.25, 'red']]
/** JS distance warn level (the drift verdict's default; JS alone never alerts). */
export const JS_STEPS: Steps = [[0.1, 'orange']]

/**
 * Fleet-wide recording rules (docs/drift.md section 7, k8s/prometheus/headliner-drift.rules.yaml):
 * PSI and JS of the counters summed over replicas, over 10 minutes, absent below 200 samples.
 */
export const FLEET_FEATURE_PSI = 'model_feature:headliner_feature_drift_psi:10m'
export const FLEET_PREDICTION_JS = 'model_version:headliner_prediction_drift_js:10m'

const COMPARISONS = 'headliner_shadow_comparisons_total'

/** Row 3: would the shadow answer like production, and at what latency? */
export function shadowSection (): Section {
  const agree = sumRate('primary, shadow', COMPARISONS, `${MODEL},outcome="agree"`)
  const judged = sumRate('primary, shadow', COMPARISONS, `${MODEL},outcome=~"agree|disagree"`)
  return {
    row: row(300, 'Shadow'),
    panels: [
      timeseries({
        id: 301, title: 'Latency p50 / p99: primary vs shadow', unit: 's', min: 0, w: 12,
        description: 'Primary: gateway time to answer the client. Shadow: time of the shadow copy from send to answer read (its own pool and timeout). Same histogram, role label.',
        queries: quantileQueries([0.5, 0.99], 'role, version', 'headliner_request_duration_seconds', MODEL_VERSION, '{{role}} {{version}}')
      }),
      timeseries({
        id: 302, title: 'Shadow agreement rate', unit: 'percentunit', min: 0, max: 1, w: 12,
        description: 'agree / (agree + disagree) per primary and shadow pair. Errors on either side are left out here; see the outcomes panel.',
        queries: [{ expr: `${agree} / ${judged}`, legend: '{{primary}} vs {{shadow}}' }]
      }),
      timeseries({
        id: 303, title: 'Comparison outcomes', unit: 'reqps', min: 0, w: 8, stack: true,
        description: 'Comparisons per second by outcome: agree, disagree, shadow_error, primary_error, incomparable (feature orders unknown), skipped (answer too large) (stacked: each comparison has one outcome).',
        queries: [{ expr: sumRate('primary, shadow, outcome', COMPARISONS, MODEL), legend: '{{primary}} vs {{shadow}} {{outcome}}' }]
      }),
      timeseries({
        id: 304, title: 'JS distance p50 / p90', unit: 'none', min: 0, decimals: 4, w: 8,
        description: 'Jensen-Shannon distance (base 2, 0 to 1; the square root of the divergence) between primary and shadow probabilities, mean over the rows of a request.',
        queries: quantileQueries([0.5, 0.9], 'primary, shadow', 'headliner_shadow_divergence', MODEL, '{{primary}} vs {{shadow}}')
      }),
      timeseries({
        id: 305, title: 'Shadow copies by outcome', unit: 'reqps', min: 0, w: 8,
        description: 'sent: copy started; dropped: over the in-flight bound; error, timeout: the copy failed. Not stacked: a sent copy that fails is counted as sent and as error or timeout.',
        queries: [{ expr: sumRate('version, outcome', 'headliner_shadow_requests_total', MODEL_VERSION), legend: '{{version}} {{outcome}}' }]
      })
    ]
  }
}

/** Row 5: do live inputs and predictions still look like the reference (training) data? */
export function driftSection (): Section {
  const observations = `headliner_feature_observations_total{${MODEL},feature="$feature"}`
  const classes = rate('headliner_prediction_class_total', MODEL_VERSION)
  return {
    row: row(500, 'Drift'),
    panels: [
      timeseries({
        id: 501, title: 'PSI per feature (fleet, 10m)', unit: 'none', min: 0, decimals: 3, w: 12, steps: PSI_STEPS,
        description: `Population stability index of the inputs of all replicas over 10 minutes (recording rule ${FLEET_FEATURE_PSI}; absent below 200 samples). Lines: 0.1 warn, 0.25 alert.`,
        queries: [{ expr: `max by (feature) (${FLEET_FEATURE_PSI}{${MODEL}})`, legend: '{{feature}}' }]
      }),
      timeseries({
        id: 502, title: 'PSI per feature (worst replica)', unit: 'none', min: 0, decimals: 3, w: 12, steps: PSI_STEPS,
        description: 'Each replica\'s own PSI over its sliding window, the worst replica per feature (absent below the minimum sample count). Lines: 0.1 warn, 0.25 alert.',
        queries: [{ expr: `max by (feature) (headliner_feature_drift_psi{${MODEL}})`, legend: '{{feature}}' }]
      }),
      timeseries({
        id: 503, title: 'JS distance per feature (worst replica)', unit: 'none', min: 0, max: 1, decimals: 3, w: 12, steps: JS_STEPS,
        description: 'Jensen-Shannon distance (base 2, 0 to 1) of each feature over each replica\'s window, worst replica. Line: 0.1 warn.',
        queries: [{ expr: `max by (feature) (headliner_feature_drift_js{${MODEL}})`, legend: '{{feature}}' }]
      }),
      timeseries({
        id: 504, title: 'Prediction drift (JS) by version', unit: 'none', min: 0, max: 1, decimals: 3, w: 12, steps: JS_STEPS,
        description: `Jensen-Shannon distance of the predicted top-1 class shares from the reference: worst replica, and the fleet over 10 minutes (${FLEET_PREDICTION_JS}). Line: 0.1 warn.`,
        queries: [
          { expr: `max by (version) (headliner_prediction_drift_js{${MODEL_VERSION}})`, legend: '{{version}} worst replica' },
          { expr: `max by (version) (${FLEET_PREDICTION_JS}{${MODEL_VERSION}})`, legend: '{{version}} fleet' }
        ]
      }),
      timeseries({
        id: 505, title: 'Predicted top-1 class shares (top 10 per version)', unit: 'percentunit', min: 0, w: 12,
        description: 'Share of each predicted top-1 class among a version\'s answers; the 10 largest per version at each point in time.',
        queries: [{
          expr: `topk by (version) (10, sum by (version, class) (${classes}) / ignoring (class) group_left sum by (version) (${classes}))`,
          legend: '{{version}} {{class}}'
        }]
      }),
      barchart({
        id: 506, title: 'Observed vs reference share per bin: $feature', unit: 'percentunit', min: 0, w: 12, xField: 'bin',
        description: 'Share of the selected feature\'s live values in each reference bin over the dashboard\'s time range (all replicas), next to the reference profile\'s share. Bins are labelled 00, 01, ... from low to high values.',
        queries: [
          { expr: `sum by (bin) (increase(${observations}[$__range])) / ignoring (bin) group_left sum(increase(${observations}[$__range]))`, legend: 'observed' },
          { expr: `max by (bin) (headliner_feature_reference_ratio{${MODEL},feature="$feature"})`, legend: 'reference' }
        ]
      }),
      timeseries({
        id: 507, title: 'Top-moving classes (top 5)', unit: 'percentunit', w: 12,
        description: 'The predicted top-1 classes (in the demo: countries) whose share moved most from the reference: |live share - reference share| of each version, the 5 largest over the selected versions at each point in time.',
        queries: [{
          expr: `topk(5, abs(sum by (version, class) (${classes}) / ignoring (class) group_left sum by (version) (${classes}) - on (class) group_left max by (class) (headliner_prediction_reference_ratio{${MODEL}})))`,
          legend: '{{version}} {{class}}'
        }]
      })
    ]
  }
}
