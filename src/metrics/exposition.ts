/**
 * The /metrics answer: Prometheus text format by default, OpenMetrics when the scraper's `Accept`
 * prefers it. Exemplars (the trace id on the request duration histogram) exist only in OpenMetrics,
 * and prom-client allows them only on an OpenMetrics registry, so a gateway with tracing on creates
 * its registry with `createRegistry({ exemplars: true })` and still answers plain scrapers in text.
 */
import { Registry, type OpenMetricsContentType } from 'prom-client'
import type { Metrics } from './metrics.js'

export type Exposition = 'openmetrics' | 'text'

/** A registry for createMetrics: OpenMetrics (exemplars possible) or plain text. */
export function createRegistry (opts: { exemplars: boolean }): Registry | Registry<OpenMetricsContentType> {
  if (!opts.exemplars) return new Registry()
  const registry = new Registry<OpenMetricsContentType>()
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE)
  return registry
}

/** Quality value of each media range in an Accept header (RFC 9110 section 12.5.1), lower-cased. */
function mediaRanges (accept: string): Array<{ type: string, q: number }> {
  return accept.split(',').map((part) => {
    const [type = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase())
    const q = params.find((p) => p.startsWith('q='))
    const value = q === undefined ? 1 : Number(q.slice(2))
    return { type, q: Number.isFinite(value) ? value : 0 }
  })
}

/**
 * Which format to answer: OpenMetrics only when `application/openmetrics-text` has a higher quality
 * than `text/plain` (and than a wildcard when text/plain is not named). Prometheus sends
 * `application/openmetrics-text;version=1.0.0,...,text/plain;version=0.0.4;q=0.5,*\/*;q=0.1`.
 * @example negotiateExposition('application/openmetrics-text;version=1.0.0,text/plain;q=0.5') // 'openmetrics'
 * @example negotiateExposition(undefined) // 'text'
 */
export function negotiateExposition (accept: string | undefined): Exposition {
  if (accept === undefined || accept === '') return 'text'
  const ranges = mediaRanges(accept)
  const best = (type: string): number => Math.max(0, ...ranges.filter((r) => r.type === type).map((r) => r.q))
  const openMetrics = best('application/openmetrics-text')
  const text = Math.max(best('text/plain'), ranges.some((r) => r.type === 'text/plain') ? 0 : Math.max(best('*/*'), best('text/*')))
  return openMetrics > 0 && openMetrics > text ? 'openmetrics' : 'text'
}

/**
 * Renders `registry` in the format `accept` asks for. The registry itself is never switched (two
 * scrapes may overlap): a merged view with the other content type renders the same metric objects.
 * A text registry always answers text, since it holds no exemplars to show.
 * @example const { contentType, body } = await renderMetrics(registry, request.headers.accept); reply.type(contentType).send(body)
 */
export async function renderMetrics (registry: Registry | Registry<OpenMetricsContentType>, accept: string | undefined): Promise<{ contentType: string, body: string }> {
  const wanted: string = negotiateExposition(accept) === 'openmetrics' && registry.contentType === Registry.OPENMETRICS_CONTENT_TYPE
    ? Registry.OPENMETRICS_CONTENT_TYPE
    : Registry.PROMETHEUS_CONTENT_TYPE
  if (registry.contentType === wanted) return { contentType: wanted, body: await registry.metrics() }
  // Only an OpenMetrics registry answering a text scraper gets here.
  const view = Registry.merge([registry as unknown as Registry])
  view.setContentType(Registry.PROMETHEUS_CONTENT_TYPE)
  return { contentType: Registry.PROMETHEUS_CONTENT_TYPE, body: await view.metrics() }
}

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
