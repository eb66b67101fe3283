/**
 * The request path's metric children: resolved once per version of a snapshot, and every
 * observation lands on the series with the right labels, before and after a swap.
 */
import { describe, expect, it } from 'vitest'
import { Registry } from 'prom-client'
import { ConfigSchema } from '../../src/config/schema.js'
import { createMetrics } from '../../src/metrics/metrics.js'
import { RequestSeries } from '../../src/metrics/request-series.js'
import { Runtime } from '../../src/runtime/runtime.js'

const config = ConfigSchema.parse({ schemaVersion: 1, models: { m: { versions: { v1: { url: 'http://a:1', weight: 90 }, v2: { url: 'http://b:1', weight: 10 } } } } })

async function valuesOf (metrics: ReturnType<typeof createMetrics>, name: 'requests' | 'inflight') {
  return (await metrics[name].get()).values.map((v) => ({ labels: v.labels, value: v.value }))
}

describe('RequestSeries', () => {
  it('resolves a version\'s children once per snapshot, and a swap resolves them again', () => {
    const metrics = createMetrics(new Registry(), { defaultMetrics: false })
    const series = new RequestSeries(metrics)
    const runtime = new Runtime(config)
    const m = runtime.require('m')
    const v1 = m.versions.get('v1')!
    expect(series.version(m, v1)).toBe(series.version(m, v1))
    expect(series.version(m, v1).requests('weight', 200)).toBe(series.version(m, v1).requests('weight', 200))
    expect(series.inflight(m)).toBe(series.inflight(m))
    runtime.setWeights(new Map([['m', new Map([['v1', 50], ['v2', 50]])]]))
    const after = runtime.require('m')
    expect(after).not.toBe(m)
    expect(series.version(after, after.versions.get('v1')!)).not.toBe(series.version(m, v1))
  })

  it('counts on the labels of the version, route and status, across a swap', async () => {
    const metrics = createMetrics(new Registry(), { defaultMetrics: false })
    const series = new RequestSeries(metrics)
    const runtime = new Runtime(config)
    const m = runtime.require('m')
    series.version(m, m.versions.get('v1')!).requests('weight', 200).inc()
    series.version(m, m.versions.get('v2')!).requests('weight', 503).inc()
    series.version(m, m.versions.get('v1')!).upstreamDuration.observe(0.003)
    series.inflight(m).inc()
    runtime.setWeights(new Map([['m', new Map([['v1', 50], ['v2', 50]])]]))
    const after = runtime.require('m')
    series.version(after, after.versions.get('v1')!).requests('weight', 200).inc()
    series.inflight(after).dec()
    expect(await valuesOf(metrics, 'requests')).toEqual(expect.arrayContaining([
      { labels: { model: 'm', version: 'v1', role: 'primary', route: 'weight', code: '200' }, value: 2 },
      { labels: { model: 'm', version: 'v2', role: 'primary', route: 'weight', code: '503' }, value: 1 }
    ]))
    expect(await valuesOf(metrics, 'inflight')).toEqual([{ labels: { model: 'm' }, value: 0 }])
    const upstream = (await metrics.upstreamDuration.get()).values.find((v) => v.metricName === 'headliner_upstream_duration_seconds_count')
    expect(upstream).toMatchObject({ labels: { model: 'm', version: 'v1', role: 'primary' }, value: 1 })
  })
})
