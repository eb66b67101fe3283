import { describe, it, expect } from 'vitest'
import { barchart, layoutRows, row, stat, timeseries } from '../../src/dashboards/panels.js'

const q = [{ expr: 'up', legend: '{{instance}}' }]
const panel = (id: number, w: number, h = 8) => timeseries({ id, title: `p${id}`, description: '', unit: 's', w, h, queries: q })

describe('layoutRows', () => {
  it('puts each row header on its own line and wraps panels past column 24', () => {
    const out = layoutRows([
      { row: row(100, 'A'), panels: [panel(101, 12), panel(102, 8, 4), panel(103, 8), panel(104, 24, 6)] },
      { row: row(200, 'B'), panels: [panel(201, 6)] }
    ])
    expect(out.map((p) => [p.id, p.gridPos])).toEqual([
      [100, { h: 1, w: 24, x: 0, y: 0 }],
      [101, { h: 8, w: 12, x: 0, y: 1 }],
      [102, { h: 4, w: 8, x: 12, y: 1 }],
      [103, { h: 8, w: 8, x: 0, y: 9 }], // 12 + 8 + 8 > 24: new line below the tallest (8)
      [104, { h: 6, w: 24, x: 0, y: 17 }],
      [200, { h: 1, w: 24, x: 0, y: 23 }],
      [201, { h: 8, w: 6, x: 0, y: 24 }]
    ])
  })

  it('refuses a panel wider than the grid', () => {
    expect(() => layoutRows([{ row: row(100, 'A'), panels: [panel(101, 25)] }])).toThrow(/panel 101 "p101": width 25/)
  })
})

describe('panel builders', () => {
  it('timeseries: unit, datasource variable, one target per query with refIds A, B', () => {
    const p = timeseries({ id: 1, title: 't', description: 'd', unit: 'reqps', w: 12, queries: [q[0]!, { expr: 'up * 2', legend: 'double' }], steps: [[0.1, 'orange']] })
    expect(p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' })
    expect(p.targets?.map((t) => [t.refId, t.expr, t.legendFormat, t.range, t.instant])).toEqual([['A', 'up', '{{instance}}', true, false], ['B', 'up * 2', 'double', true, false]])
    expect(p.fieldConfig?.defaults).toMatchObject({ unit: 'reqps', thresholds: { steps: [{ color: 'green', value: null }, { color: 'orange', value: 0.1 }] }, custom: { thresholdsStyle: { mode: 'dashed' } } })
  })

  it('stat: value mappings in order with their colours', () => {
    const p = stat({ id: 2, title: 's', description: '', unit: 'none', w: 4, queries: q, mappings: { 0: ['down', 'red'], 1: ['up', 'green'] } })
    expect(p.fieldConfig?.defaults.mappings).toEqual([{ type: 'value', options: { 0: { text: 'down', color: 'red', index: 0 }, 1: { text: 'up', color: 'green', index: 1 } } }])
  })

  it('barchart: instant table queries merged on the label, value columns named by legend', () => {
    const p = barchart({ id: 3, title: 'b', description: '', unit: 'percentunit', w: 12, xField: 'bin', queries: [{ expr: 'a', legend: 'observed' }, { expr: 'b', legend: 'reference' }] })
    expect(p.targets?.map((t) => [t.instant, t.range, t.format])).toEqual([[true, false, 'table'], [true, false, 'table']])
    expect(p.options?.xField).toBe('bin')
    expect(p.transformations).toEqual([
      { id: 'merge', options: {} },
      { id: 'organize', options: { excludeByName: { Time: true }, renameByName: { 'Value #A': 'observed', 'Value #B': 'reference' } } }
    ])
  })
})
