/**
 * PromQL fragments the dashboard repeats. Each returns the expression text; the dashboard's template
 * variables (`$model`, `$version`, `$feature`) and Grafana's `$__rate_interval` stay in the text for
 * Grafana to fill in.
 */
import type { Query } from './panels.js'

/**
 * The selected deployment: `$namespace` and `$job` (multi-valued, `.*` for All, which also matches a
 * Prometheus without a namespace label). In every query, so staging and production never blend.
 */
export const DEPLOYMENT = 'namespace=~"$namespace",job=~"$job"'
/** The selected deployment and model. Single-valued, but `=~` keeps the query valid if someone makes it multi-valued. */
export const MODEL = `${DEPLOYMENT},model=~"$model"`
/** The selected deployment, model and versions (`$version` is multi-valued with `.*` for All). */
export const MODEL_VERSION = `${MODEL},version=~"$version"`

/**
 * Rate of a counter over Grafana's rate interval (at least four scrape intervals, so `rate` always
 * has two samples).
 * @example rate('headliner_requests_total', MODEL) // 'rate(headliner_requests_total{model=~"$model"}[$__rate_interval])'
 */
export function rate (metric: string, matchers: string): string {
  return `rate(${matchers === '' ? metric : `${metric}{${matchers}}`}[$__rate_interval])`
}

/** `sum by (labels) (rate(...))`: a counter's per-second rate summed over replicas, kept apart by `by`. */
export function sumRate (by: string, metric: string, matchers: string): string {
  return `sum by (${by}) (${rate(metric, matchers)})`
}

/**
 * Quantile `q` of a histogram over all replicas, one series per combination of `by`
 * (`le` is added: `histogram_quantile` needs the bucket boundaries).
 * @example quantile(0.99, 'version', 'headliner_request_duration_seconds', MODEL_VERSION)
 */
export function quantile (q: number, by: string, histogram: string, matchers: string): string {
  return `histogram_quantile(${q}, sum by (${by}, le) (${rate(`${histogram}_bucket`, matchers)}))`
}

/** One query per quantile `qs` of `histogram`, legend `<legend> p<q * 100>` (0.5: p50, 0.99: p99). */
export function quantileQueries (qs: readonly number[], by: string, histogram: string, matchers: string, legend: string): Query[] {
  return qs.map((q) => ({ expr: quantile(q, by, histogram, matchers), legend: `${legend} p${q * 100}` }))
}

/**
 * Keeps only the series of gateway processes that serve the selected model (those exporting its
 * readiness gauge): prom-client's default metrics carry no `model` label, and the Prometheus may
 * scrape other Node processes. `expr` must keep the `namespace`, `job` and `instance` labels.
 */
export function onModelProcesses (expr: string): string {
  return `${expr} and on (namespace, job, instance) headliner_version_ready{${MODEL}}`
}
