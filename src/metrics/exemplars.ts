/**
 * The request duration observation with the trace id as its exemplar, so a latency spike on a
 * dashboard links to a trace. Only when tracing is on and the registry is an OpenMetrics one
 * (src/metrics/exposition.ts); otherwise the plain observation the hot path always made.
 */
import type { Metrics } from './metrics.js'

/**
 * Observes `seconds` for (model, version, role); `traceId` (32 hex digits, from the active span)
 * becomes the bucket's exemplar `{trace_id="..."}` when exemplars are enabled.
 * @example observeRequestDuration(metrics, 'hit-predictor', 'v1', 'primary', 0.012, activeTraceId())
 */
export function observeRequestDuration (metrics: Metrics, model: string, version: string, role: 'primary' | 'shadow', seconds: number, traceId: string | undefined): void {
  const histogram = metrics.requestDuration
  if (traceId === undefined || !metrics.exemplars) {
    histogram.labels(model, version, role).observe(seconds)
    return
  }
  // prom-client types exemplar labels as the metric's own label names; any names are valid.
  const exemplarLabels = { trace_id: traceId } as unknown as Record<'model', string>
  histogram.observe({ labels: { model, version, role }, value: seconds, exemplarLabels })
}
