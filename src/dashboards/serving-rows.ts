/**
 * Dashboard rows about serving: traffic and health per version, upstream calls, transforms and the
 * gateway processes. Panel ids are `row * 100 + n` and never reused, so links to a panel stay valid
 * when panels are added.
 */
import { row, stat, timeseries, type Section } from './panels.js'
import { WEIGHT_RATIO } from './rollout-rows.js'
import { DEPLOYMENT, MODEL, MODEL_VERSION, onModelProcesses, quantile, quantileQueries, rate, sumRate } from './promql.js'

const REQUESTS = 'headliner_requests_total'
const PRIMARY = `${MODEL_VERSION},role="primary"`

/** Row 1: is each version taking the traffic it should, and answering well? */
export function overviewSection (): Section {
  const all = sumRate('version', REQUESTS, PRIMARY)
  const failed = sumRate('version', REQUESTS, `${PRIMARY},code=~"5.."`)
  return {
    row: row(100, 'Overview'),
    panels: [
      timeseries({
        id: 101, title: 'Requests/s by version', unit: 'reqps', min: 0, w: 8,
        description: 'Primary inference requests answered per second (all status codes), summed over replicas. Shadow copies are not counted here.',
        queries: [{ expr: all, legend: '{{version}}' }]
      }),
      timeseries({
        id: 102, title: 'Error ratio by version (5xx / all)', unit: 'percentunit', min: 0, w: 8,
        description: 'Share of primary requests answered with a 5xx status. A version with traffic but no 5xx shows 0 rather than no data.',
        // `or 0 * all`: without any 5xx series the division would be empty instead of 0.
        queries: [{ expr: `(${failed} or 0 * ${all}) / ${all}`, legend: '{{version}}' }]
      }),
      timeseries({
        id: 103, title: 'Latency p50 / p99 by version', unit: 's', min: 0, w: 8,
        description: 'Gateway time from request received to response sent, primary requests only. The dashed line is the latency SLO of the alert rules (99 % within 0.5 s, a bucket boundary).',
        steps: [[0.5, 'red']],
        queries: quantileQueries([0.5, 0.99], 'version', 'headliner_request_duration_seconds', PRIMARY, '{{version}}')
      }),
      timeseries({
        id: 104, title: 'Configured weight by version', unit: 'percentunit', min: 0, max: 1, w: 8, stack: true,
        description: 'Traffic weight (headliner_route_weight_ratio), runtime overrides included (stacked: the versions of a model add up to 100 %). Max over replicas; replicas that disagree show up in /status.',
        // `or` the deprecated percent gauge: gateways of the previous release export only that one.
        queries: [{ expr: WEIGHT_RATIO, legend: '{{version}}' }]
      }),
      stat({
        id: 105, title: 'Version ready', unit: 'none', w: 8,
        description: '1 when the upstream answered ready and its metadata matches the transform. Min over replicas: one replica that sees the version unready turns it red.',
        queries: [{ expr: `min by (version) (headliner_version_ready{${MODEL_VERSION}})`, legend: '{{version}}' }],
        mappings: { 0: ['not ready', 'red'], 1: ['ready', 'green'] }
      }),
      timeseries({
        id: 106, title: 'In flight', unit: 'short', min: 0, w: 4,
        description: 'Primary requests in flight per replica (the gauge has no version label).',
        queries: [{ expr: `sum by (instance) (headliner_inflight_requests{${MODEL}})`, legend: '{{instance}}' }]
      }),
      stat({
        id: 107, title: 'Rollout step', unit: 'none', w: 4,
        description: 'The candidate\'s weight at the current step of the model\'s phased rollout (0-1), 0 when none runs.',
        queries: [{ expr: `max(headliner_rollout_step{${MODEL}})`, legend: 'step' }]
      })
    ]
  }
}

/** Row 2: is a slow or failing answer the upstream's fault? */
export function upstreamSection (): Section {
  return {
    row: row(200, 'Upstream'),
    panels: [
      timeseries({
        id: 201, title: 'Upstream p99 by version and role', unit: 's', min: 0, w: 12,
        description: 'Time from forwarding to the upstream until its response headers arrived, for primary calls and shadow copies.',
        queries: [{ expr: quantile(0.99, 'version, role', 'headliner_upstream_duration_seconds', MODEL_VERSION), legend: '{{version}} {{role}}' }]
      }),
      timeseries({
        id: 202, title: 'Upstream errors by kind', unit: 'reqps', min: 0, w: 12,
        description: 'Failed primary upstream calls per second: timeout, connect, status (5xx answer), protocol (unreadable answer). Shadow failures are in the Shadow row.',
        queries: [{ expr: sumRate('version, kind', 'headliner_upstream_errors_total', MODEL_VERSION), legend: '{{version}} {{kind}}' }]
      })
    ]
  }
}

/** Row 4: what does each version's pre/post-processing cost, and does it refuse requests? */
export function transformsSection (): Section {
  return {
    row: row(400, 'Transforms'),
    panels: [
      timeseries({
        id: 401, title: 'Transform p99 by version and stage', unit: 's', min: 0, w: 12,
        description: 'Time spent in a version\'s pre-processing (named features to tensor) and post-processing (probabilities to labels).',
        queries: [{ expr: quantile(0.99, 'version, stage', 'headliner_transform_duration_seconds', MODEL_VERSION), legend: '{{version}} {{stage}}' }]
      }),
      timeseries({
        id: 402, title: 'Transform errors', unit: 'reqps', min: 0, w: 12,
        description: 'Requests refused or failed in a transform: pre means the caller\'s input did not fit, post means the upstream\'s output did not.',
        queries: [{ expr: sumRate('version, stage', 'headliner_transform_errors_total', MODEL_VERSION), legend: '{{version}} {{stage}}' }]
      })
    ]
  }
}

/** Row 6: are the gateway processes themselves healthy? */
export function processSection (): Section {
  return {
    row: row(600, 'Process'),
    panels: [
      timeseries({
        id: 601, title: 'Config reloads since start', unit: 'short', min: 0, w: 6,
        description: 'Config reloads per replica by result, counted since the process started. A failure keeps the previous config running; the log says why.',
        // The raw count, not increase(): reloads are rare events, and "how many since start, how many
        // refused" reads better than a rate that is almost always 0.
        queries: [{ expr: onModelProcesses(`sum by (namespace, job, instance, result) (headliner_config_reloads_total{${DEPLOYMENT}})`), legend: '{{instance}} {{result}}' }]
      }),
      timeseries({
        id: 602, title: 'CPU', unit: 'percentunit', min: 0, w: 6,
        description: 'CPU time per second of each gateway process (1 = one core busy).',
        queries: [{ expr: onModelProcesses(`sum by (namespace, job, instance) (${rate('process_cpu_seconds_total', DEPLOYMENT)})`), legend: '{{instance}}' }]
      }),
      timeseries({
        id: 603, title: 'Resident memory', unit: 'bytes', min: 0, w: 6,
        description: 'Resident set size of each gateway process.',
        queries: [{ expr: onModelProcesses(`sum by (namespace, job, instance) (process_resident_memory_bytes{${DEPLOYMENT}})`), legend: '{{instance}}' }]
      }),
      timeseries({
        id: 604, title: 'Event loop lag p99', unit: 's', min: 0, w: 6,
        description: 'p99 event loop delay per process over the last scrape interval (prom-client default metrics). Rising lag delays every request on that replica.',
        queries: [{ expr: onModelProcesses(`max by (namespace, job, instance) (nodejs_eventloop_lag_p99_seconds{${DEPLOYMENT}})`), legend: '{{instance}}' }]
      })
    ]
  }
}
