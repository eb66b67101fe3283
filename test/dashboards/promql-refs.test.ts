import { describe, it, expect } from 'vitest'
import { checkRefs, promqlRefs, type MetricCatalogue } from '../../src/dashboards/promql-refs.js'

const catalogue: MetricCatalogue = new Map([
  ['x_total', new Set(['model', 'version', 'code'])],
  ['d_seconds_bucket', new Set(['model', 'version', 'le'])],
  ['ready', new Set(['model', 'version', 'instance'])],
  ['process_cpu_seconds_total', new Set(['instance'])],
  ['model_feature:psi:10m', new Set(['model', 'feature'])]
])

describe('promqlRefs', () => {
  it('finds selectors with their matcher labels, skipping functions, aggregations and strings', () => {
    const refs = promqlRefs('sum by (version) (rate(x_total{model=~"$model",code=~"5.."}[$__rate_interval]))')
    expect(refs.selectors).toEqual([{ metric: 'x_total', labels: ['model', 'code'] }])
    expect(refs.groupings).toEqual([{ keyword: 'by', labels: ['version'], metrics: ['x_total'] }])
  })

  it('scopes a by list to its own argument, in prefix and postfix form; a bare group_left has no list', () => {
    const refs = promqlRefs('sum by (version) (x_total) / on (model) group_left sum(ready) by (instance)')
    expect(refs.selectors.map((s) => s.metric)).toEqual(['x_total', 'ready'])
    expect(refs.groupings).toEqual([
      { keyword: 'by', labels: ['version'], metrics: ['x_total'] },
      { keyword: 'on', labels: ['model'], metrics: ['x_total', 'ready'] },
      { keyword: 'by', labels: ['instance'], metrics: ['ready'] }
    ])
  })

  it('reads recording-rule names, topk by and numbers with exponents', () => {
    const refs = promqlRefs('topk by (feature) (10, clamp_min(model_feature:psi:10m{model="m"}, 1e-4)) > bool 0.25')
    expect(refs.selectors).toEqual([{ metric: 'model_feature:psi:10m', labels: ['model'] }])
    expect(refs.groupings[0]).toEqual({ keyword: 'by', labels: ['feature'], metrics: ['model_feature:psi:10m'] })
  })

  it('refuses characters PromQL does not use', () => {
    expect(() => promqlRefs('sum(x_total) # comment')).toThrow(/unexpected character "#"/)
  })
})

describe('checkRefs', () => {
  it('accepts known metrics and labels, le on buckets and labels kept by an inner aggregation', () => {
    expect(checkRefs('histogram_quantile(0.99, sum by (version, le) (rate(d_seconds_bucket{model="m"}[1m])))', catalogue)).toEqual([])
    expect(checkRefs('sum by (instance) (rate(process_cpu_seconds_total[1m])) and on (instance) ready{model="m"}', catalogue)).toEqual([])
  })

  it('names an unknown metric, a matcher label the metric lacks and a by label missing in the argument', () => {
    expect(checkRefs('sum by (role) (rate(x_total{stage="pre"}[1m])) + y_total', catalogue)).toEqual([
      'x_total has no label "stage" (has: model, version, code)',
      'unknown metric y_total',
      'by (role): x_total has no label "role"'
    ])
  })

  it('flags a vector-matching label that no metric of the expression has', () => {
    expect(checkRefs('x_total / ignoring (bin) ready', catalogue)).toEqual(['ignoring (bin): no metric of the expression has label "bin"'])
  })
})
