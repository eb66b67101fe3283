import { describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { Registry } from 'prom-client'
import { createMetrics } from '../../src/metrics/metrics.js'
import { createRegistry, negotiateExposition, observeRequestDuration, renderMetrics } from '../../src/metrics/exposition.js'
import { recordAdminChange, recordConfigLoad, recordConfigReload, recordRolloutEvaluation, setBuildInfo, setRouteWeight, setStateStoreUp } from '../../src/metrics/control-plane.js'

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
/** What Prometheus 2.x sends when scraping (scrape.go's acceptHeader). */
const PROMETHEUS_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'

function hasPromtool (): boolean {
  try { execFileSync('promtool', ['--version'], { stdio: 'ignore' }); return true } catch { return false }
}

/** The value of one sample line `name{labels} value` in a text exposition, or undefined. */
function sample (text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '))
  return line === undefined ? undefined : Number(line.slice(series.length + 1).split(' ')[0])
}

/** Every metric of DESIGN section 8's conventions, set once. */
function populated (registry: ReturnType<typeof createRegistry>) {
  const metrics = createMetrics(registry, { defaultMetrics: false })
  setBuildInfo(metrics, '0.1.0', 'v20.19.0')
  setRouteWeight(metrics, 'm', 'v1', 75)
  setRouteWeight(metrics, 'm', 'v2', 25)
  recordConfigReload(metrics, true, () => 1_700_000_000_000)
  setStateStoreUp(metrics, 'redis', true)
  recordAdminChange(metrics, 'set_weights', 'ops')
  recordRolloutEvaluation(metrics, 'm', { step: 0.25, state: 'running', gates: [{ gate: 'errors', result: 'pass' }, { gate: 'agreement', result: 'inconclusive' }] }, () => 1_700_000_060_000)
  metrics.versionEjected.labels('m', 'v1').set(0)
  metrics.retries.labels('m', 'v1', 'connect').inc()
  observeRequestDuration(metrics, 'm', 'v1', 'primary', 0.012, TRACE_ID)
  return metrics
}

describe('negotiateExposition', () => {
  it.each([
    [undefined, 'text'],
    ['', 'text'],
    [PROMETHEUS_ACCEPT, 'openmetrics'],
    ['application/openmetrics-text; version=1.0.0', 'openmetrics'],
    ['text/plain;version=0.0.4;q=1,application/openmetrics-text;q=0.5', 'text'],
    ['application/openmetrics-text;q=0', 'text'],
    ['*/*', 'text'],
    ['text/plain, application/openmetrics-text', 'text'], // a tie keeps the classic format
    ['application/openmetrics-text;q=0.2,*/*;q=0.1', 'openmetrics']
  ] as const)('Accept %j -> %s', (accept, expected) => {
    expect(negotiateExposition(accept)).toBe(expected)
  })
})

describe('exemplars and content negotiation', () => {
  it('an OpenMetrics registry serves the trace id as an exemplar when the scraper asks for OpenMetrics', async () => {
    const { contentType, body } = await renderMetrics(populated(createRegistry({ exemplars: true })).registry, PROMETHEUS_ACCEPT)
    expect(contentType).toBe(Registry.OPENMETRICS_CONTENT_TYPE)
    expect(body).toMatch(new RegExp(`^headliner_request_duration_seconds_bucket\\{le="0.025",model="m",version="v1",role="primary"\\} 1 # \\{trace_id="${TRACE_ID}"\\} 0.012 `, 'm'))
    expect(body.trimEnd().endsWith('# EOF')).toBe(true)
  })

  it('the same registry answers a plain scraper in text format, without exemplars', async () => {
    const { contentType, body } = await renderMetrics(populated(createRegistry({ exemplars: true })).registry, 'text/plain')
    expect(contentType).toBe(Registry.PROMETHEUS_CONTENT_TYPE)
    expect(body).not.toContain('trace_id')
    expect(sample(body, 'headliner_request_duration_seconds_bucket{le="0.025",model="m",version="v1",role="primary"}')).toBe(1)
  })

  it('a text registry (tracing off) answers text even to an OpenMetrics scraper, and records no exemplar', async () => {
    const metrics = populated(createRegistry({ exemplars: false }))
    expect(metrics.exemplars).toBe(false)
    const { contentType, body } = await renderMetrics(metrics.registry, PROMETHEUS_ACCEPT)
    expect(contentType).toBe(Registry.PROMETHEUS_CONTENT_TYPE)
    expect(body).not.toContain('trace_id')
  })

  it.skipIf(!hasPromtool())('both expositions pass promtool check metrics', async () => {
    for (const exemplars of [false, true]) {
      const { body } = await renderMetrics(populated(createRegistry({ exemplars })).registry, 'text/plain')
      expect(() => execFileSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] })).not.toThrow()
    }
  })
})

describe('metric conventions', () => {
  it('sets build info, weights as ratio and percent, reload and store gauges, admin changes', async () => {
    const text = await populated(createRegistry({ exemplars: false })).registry.metrics()
    expect(sample(text, 'headliner_build_info{version="0.1.0",node="v20.19.0"}')).toBe(1)
    expect(sample(text, 'headliner_route_weight_ratio{model="m",version="v2"}')).toBe(0.25)
    expect(sample(text, 'headliner_route_weight_percent{model="m",version="v2"}')).toBe(25)
    expect(sample(text, 'headliner_config_last_reload_successful')).toBe(1)
    expect(sample(text, 'headliner_config_last_reload_success_timestamp_seconds')).toBe(1_700_000_000)
    expect(sample(text, 'headliner_config_reloads_total{result="success"}')).toBe(1)
    expect(sample(text, 'headliner_state_store_up{store="redis"}')).toBe(1)
    expect(sample(text, 'headliner_admin_changes_total{action="set_weights",actor="ops"}')).toBe(1)
  })

  it('a refused reload sets the gauge to 0 and keeps the last success time', async () => {
    const metrics = createMetrics(createRegistry({ exemplars: false }), { defaultMetrics: false })
    recordConfigReload(metrics, true, () => 1_000_000)
    recordConfigReload(metrics, false, () => 2_000_000)
    const text = await metrics.registry.metrics()
    expect(sample(text, 'headliner_config_last_reload_successful')).toBe(0)
    expect(sample(text, 'headliner_config_last_reload_success_timestamp_seconds')).toBe(1000)
    expect(sample(text, 'headliner_config_reloads_total{result="failure"}')).toBe(1)
  })

  it('the initial load sets the gauges without counting a reload', async () => {
    const metrics = createMetrics(createRegistry({ exemplars: false }), { defaultMetrics: false })
    recordConfigLoad(metrics, () => 3_000_000)
    const text = await metrics.registry.metrics()
    expect(sample(text, 'headliner_config_last_reload_successful')).toBe(1)
    expect(sample(text, 'headliner_config_last_reload_success_timestamp_seconds')).toBe(3000)
    expect(text).not.toMatch(/^headliner_config_reloads_total\{/m)
  })

  it('rollout: step as a ratio, one state series per state, gate counts, heartbeat', async () => {
    const metrics = populated(createRegistry({ exemplars: false }))
    recordRolloutEvaluation(metrics, 'm', { step: 0, state: 'rolled_back', gates: [{ gate: 'errors', result: 'fail' }] }, () => 1_700_000_120_000)
    const text = await metrics.registry.metrics()
    expect(sample(text, 'headliner_rollout_step{model="m"}')).toBe(0)
    expect(['running', 'paused', 'promoted', 'rolled_back', 'aborted'].map((s) => sample(text, `headliner_rollout_state{model="m",state="${s}"}`))).toEqual([0, 0, 0, 1, 0])
    expect(sample(text, 'headliner_rollout_gate_evaluations_total{model="m",gate="errors",result="pass"}')).toBe(1)
    expect(sample(text, 'headliner_rollout_gate_evaluations_total{model="m",gate="errors",result="fail"}')).toBe(1)
    expect(sample(text, 'headliner_rollout_last_evaluation_timestamp_seconds{model="m"}')).toBe(1_700_000_120)
  })

  it('refuses a rollout step given in percent', () => {
    const metrics = createMetrics(createRegistry({ exemplars: false }), { defaultMetrics: false })
    expect(() => recordRolloutEvaluation(metrics, 'm', { step: 25, state: 'running', gates: [] }, () => 0)).toThrow(/ratio 0-1, got 25/)
  })
})
