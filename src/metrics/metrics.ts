/**
 * Every metric Headliner exports, in one file (names and labels: docs/observability.md). The registry
 * is created by the caller and passed in; nothing here is global, so tests build their own.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type OpenMetricsContentType } from 'prom-client'

/**
 * Latency buckets in seconds. The alert rules' latency SLO (99 % within 0.5 s) sits on a boundary, so
 * the burn-rate rules read exact counts at the SLO (k8s/prometheus/headliner-red.rules.yaml).
 */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
/** Buckets of headliner_shadow_divergence, which holds the Jensen-Shannon distance (the name predates the fix). */
export const DIVERGENCE_BUCKETS = [0.0001, 0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1]

/** prom-client's default Node metrics that are gauges named `_total`, which `promtool check metrics` rejects. */
const LINT_FAILING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']

/** The states of a phased rollout, one `headliner_rollout_state` series each (1 for the current one). */
export const ROLLOUT_STATES = ['running', 'paused', 'promoted', 'rolled_back', 'aborted'] as const

/**
 * All metrics on `registry`. The request duration histogram records exemplars (the trace id) when the
 * registry is an OpenMetrics one (`createRegistry({ exemplars: true })` in src/metrics/exposition.ts):
 * prom-client refuses exemplars on a plain-text registry.
 */
export function createMetrics (registry: Registry | Registry<OpenMetricsContentType>, opts: { defaultMetrics?: boolean } = {}) {
  const exemplars = registry.contentType === Registry.OPENMETRICS_CONTENT_TYPE
  if (opts.defaultMetrics !== false) {
    collectDefaultMetrics({ register: registry })
    for (const name of LINT_FAILING_DEFAULTS) registry.removeSingleMetric(name)
  }
  const registers = [registry]
  return {
    registry,
    /** The request duration histogram takes exemplars (observeRequestDuration in exposition.ts). */
    exemplars,
    requests: new Counter({ name: 'headliner_requests_total', help: 'Inference requests answered, by model, version, role (primary/shadow), route reason and HTTP status code.', labelNames: ['model', 'version', 'role', 'route', 'code'] as const, registers }),
    requestDuration: new Histogram({ name: 'headliner_request_duration_seconds', help: 'Time from request received to response sent (primary) or shadow call completed (shadow).', labelNames: ['model', 'version', 'role'] as const, buckets: LATENCY_BUCKETS, enableExemplars: exemplars, registers }),
    upstreamDuration: new Histogram({ name: 'headliner_upstream_duration_seconds', help: 'Time from forwarding to the upstream until its response headers arrived.', labelNames: ['model', 'version', 'role'] as const, buckets: LATENCY_BUCKETS, registers }),
    transformDuration: new Histogram({ name: 'headliner_transform_duration_seconds', help: 'Time spent in a version\'s pre- or post-processing.', labelNames: ['model', 'version', 'stage'] as const, buckets: [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1], registers }),
    transformErrors: new Counter({ name: 'headliner_transform_errors_total', help: 'Requests refused or failed in a version\'s transform, by stage (pre: the caller\'s input; post: the upstream\'s output).', labelNames: ['model', 'version', 'stage'] as const, registers }),
    inflight: new Gauge({ name: 'headliner_inflight_requests', help: 'Primary inference requests in flight.', labelNames: ['model'] as const, registers }),
    /** Deprecated: kept one release beside {@link routeWeightRatio}; set both with setRouteWeight. */
    routeWeight: new Gauge({ name: 'headliner_route_weight_percent', help: 'Deprecated, removed in the next release: use headliner_route_weight_ratio. Traffic weight of each version in percent.', labelNames: ['model', 'version'] as const, registers }),
    routeWeightRatio: new Gauge({ name: 'headliner_route_weight_ratio', help: 'Traffic weight of each version as a ratio 0-1 (runtime overrides included); 0 for shadows and parked versions.', labelNames: ['model', 'version'] as const, registers }),
    upstreamErrors: new Counter({ name: 'headliner_upstream_errors_total', help: 'Failed upstream calls by kind: timeout, connect, status (5xx answer), protocol (unreadable or cut answer), invalid_prediction (a 200 that is not a valid prediction).', labelNames: ['model', 'version', 'kind'] as const, registers }),
    shadowRequests: new Counter({ name: 'headliner_shadow_requests_total', help: 'Shadow copies by outcome: sent, dropped (over the in-flight bound), error, timeout.', labelNames: ['model', 'version', 'outcome'] as const, registers }),
    shadowComparisons: new Counter({ name: 'headliner_shadow_comparisons_total', help: 'Comparisons of a shadow answer with the primary answer, by outcome.', labelNames: ['model', 'primary', 'shadow', 'outcome'] as const, registers }),
    shadowDivergence: new Histogram({ name: 'headliner_shadow_divergence', help: 'Jensen-Shannon distance (base 2, 0-1: the square root of the divergence) between primary and shadow probability vectors, mean over the rows of a request.', labelNames: ['model', 'primary', 'shadow'] as const, buckets: DIVERGENCE_BUCKETS, registers }),
    featureObservations: new Counter({ name: 'headliner_feature_observations_total', help: 'Input feature values observed, by reference bin (additive across replicas).', labelNames: ['model', 'feature', 'bin'] as const, registers }),
    featureReferenceRatio: new Gauge({ name: 'headliner_feature_reference_ratio', help: 'Share of the reference profile in each bin of each feature.', labelNames: ['model', 'feature', 'bin'] as const, registers }),
    featureDriftPsi: new Gauge({ name: 'headliner_feature_drift_psi', help: 'Population stability index of a feature over this process\'s sliding window (absent below the minimum sample count).', labelNames: ['model', 'feature'] as const, registers }),
    featureDriftJs: new Gauge({ name: 'headliner_feature_drift_js', help: 'Jensen-Shannon distance (base 2) of a feature over this process\'s sliding window (absent below the minimum sample count).', labelNames: ['model', 'feature'] as const, registers }),
    predictionClass: new Counter({ name: 'headliner_prediction_class_total', help: 'Predicted top-1 classes, by version (additive across replicas).', labelNames: ['model', 'version', 'class'] as const, registers }),
    predictionReferenceRatio: new Gauge({ name: 'headliner_prediction_reference_ratio', help: 'Share of each top-1 class in the reference profile (the baseline of prediction drift).', labelNames: ['model', 'class'] as const, registers }),
    predictionDriftJs: new Gauge({ name: 'headliner_prediction_drift_js', help: 'Jensen-Shannon distance of the top-1 class shares from the reference over this process\'s window.', labelNames: ['model', 'version'] as const, registers }),
    versionReady: new Gauge({ name: 'headliner_version_ready', help: '1 when the version\'s upstream answered ready and its transform matches the upstream\'s metadata, else 0.', labelNames: ['model', 'version'] as const, registers }),
    versionUpstreamPending: new Gauge({ name: 'headliner_version_upstream_pending', help: '1 while a reload\'s new URL of the version is not ready yet and its previous upstream keeps serving, else 0.', labelNames: ['model', 'version'] as const, registers }),
    versionEjected: new Gauge({ name: 'headliner_version_ejected', help: '1 while outlier detection has ejected the version (no traffic until it returns), else 0.', labelNames: ['model', 'version'] as const, registers }),
    retries: new Counter({ name: 'headliner_retries_total', help: 'Upstream calls retried, by reason (the failure kind that caused the retry).', labelNames: ['model', 'version', 'reason'] as const, registers }),
    configReloads: new Counter({ name: 'headliner_config_reloads_total', help: 'Config reloads by result (success, failure).', labelNames: ['result'] as const, registers }),
    overloaded: new Counter({ name: 'headliner_overloaded_total', help: 'Requests refused with 503 because the version had maxInflight calls in flight.', labelNames: ['model', 'version'] as const, registers }),
    configLastReloadSuccessful: new Gauge({ name: 'headliner_config_last_reload_successful', help: 'Whether the last config reload attempt succeeded (1) or was refused (0).', registers }),
    configLastReloadSuccessTimestamp: new Gauge({ name: 'headliner_config_last_reload_success_timestamp_seconds', help: 'Unix time of the last successful config load or reload.', registers }),
    stateStoreUp: new Gauge({ name: 'headliner_state_store_up', help: '1 when the last call to the state store succeeded, else 0.', labelNames: ['store'] as const, registers }),
    adminChanges: new Counter({ name: 'headliner_admin_changes_total', help: 'Changes made through the admin API, by action and actor (the token\'s name).', labelNames: ['action', 'actor'] as const, registers }),
    rolloutStep: new Gauge({ name: 'headliner_rollout_step', help: 'The candidate\'s weight at the current step of the model\'s phased rollout, 0-1 (0 when none runs).', labelNames: ['model'] as const, registers }),
    rolloutState: new Gauge({ name: 'headliner_rollout_state', help: 'State of the model\'s latest phased rollout: 1 on the current state, 0 on the others.', labelNames: ['model', 'state'] as const, registers }),
    rolloutGateEvaluations: new Counter({ name: 'headliner_rollout_gate_evaluations_total', help: 'Rollout gate evaluations by gate and result (pass, fail, inconclusive).', labelNames: ['model', 'gate', 'result'] as const, registers }),
    rolloutLastEvaluation: new Gauge({ name: 'headliner_rollout_last_evaluation_timestamp_seconds', help: 'Unix time of the last evaluation of the model\'s rollout gates (heartbeat of the rollout driver).', labelNames: ['model'] as const, registers }),
    buildInfo: new Gauge({ name: 'headliner_build_info', help: 'Always 1; labels carry the Headliner version and the Node.js version running it.', labelNames: ['version', 'node'] as const, registers })
  }
}

export type Metrics = ReturnType<typeof createMetrics>
