/**
 * Small builders for Grafana panel JSON (dashboard schemaVersion 39). They return plain objects, so a
 * dashboard is data that tests can walk and compare. Every panel and every query points at the
 * `${datasource}` template variable, never at a datasource uid of one installation.
 */

/** Where a panel sits on Grafana's 24-column grid; `x` and `y` are filled in by {@link layoutRows}. */
export interface GridPos { h: number, w: number, x: number, y: number }

/** The datasource reference every panel and query uses: the dashboard's `datasource` variable. */
export const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const

/** One PromQL query of a panel. */
export interface Target {
  refId: string
  datasource: typeof DATASOURCE
  editorMode: 'code'
  expr: string
  legendFormat: string
  range: boolean
  instant: boolean
  format?: 'table'
}

/** A Grafana panel as this generator writes it; `type: 'row'` panels carry no queries. */
export interface Panel {
  id: number
  type: 'row' | 'timeseries' | 'stat' | 'barchart'
  title: string
  gridPos: GridPos
  description?: string
  datasource?: typeof DATASOURCE
  targets?: Target[]
  fieldConfig?: { defaults: Record<string, unknown> & { unit: string }, overrides: unknown[] }
  options?: Record<string, unknown>
  transformations?: unknown[]
  collapsed?: boolean
  panels?: Panel[]
}

/** A query as the dashboard code writes it: the expression and its legend. */
export interface Query { expr: string, legend: string }

/** Threshold steps drawn on a panel: `[value, colour]`, ascending; the base step (green) is implied. */
export type Steps = ReadonlyArray<readonly [number, string]>

/** What every data panel needs. `unit` is a Grafana unit id (`s`, `reqps`, `percentunit`, `bytes`, ...). */
export interface PanelSpec {
  id: number
  title: string
  description: string
  unit: string
  queries: readonly Query[]
  w: number
  h?: number
  min?: number
  max?: number
  decimals?: number
}

const REF_IDS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'

function targets (queries: readonly Query[], instant: boolean): Target[] {
  return queries.map((q, i) => ({
    refId: REF_IDS[i]!,
    datasource: DATASOURCE,
    editorMode: 'code' as const,
    expr: q.expr,
    legendFormat: q.legend,
    range: !instant,
    instant,
    ...(instant ? { format: 'table' as const } : {})
  }))
}

function thresholds (steps: Steps = []): Record<string, unknown> {
  return { mode: 'absolute', steps: [{ color: 'green', value: null }, ...steps.map(([value, color]) => ({ color, value }))] }
}

function defaults (spec: PanelSpec, steps?: Steps): Record<string, unknown> & { unit: string } {
  return {
    unit: spec.unit,
    ...(spec.min === undefined ? {} : { min: spec.min }),
    ...(spec.max === undefined ? {} : { max: spec.max }),
    ...(spec.decimals === undefined ? {} : { decimals: spec.decimals }),
    color: { mode: 'palette-classic' },
    thresholds: thresholds(steps)
  }
}

/** Panels are 8 grid units (240 px) tall unless the spec says otherwise. */
function base (spec: PanelSpec, type: Panel['type']): Panel {
  return { id: spec.id, type, title: spec.title, description: spec.description, gridPos: { h: spec.h ?? 8, w: spec.w, x: 0, y: 0 }, datasource: DATASOURCE }
}

/**
 * A time series panel. `stack` stacks the series (only for parts of one whole); `steps` draws
 * dashed threshold lines, e.g. PSI's warn and alert levels.
 * @example timeseries({ id: 101, title: 'Requests/s', description: '...', unit: 'reqps', w: 12, queries: [{ expr: 'sum(rate(x[1m]))', legend: 'all' }] })
 */
export function timeseries (spec: PanelSpec & { stack?: boolean, steps?: Steps, bars?: boolean }): Panel {
  const custom = {
    drawStyle: spec.bars === true ? 'bars' : 'line',
    lineWidth: 1,
    fillOpacity: spec.stack === true || spec.bars === true ? 60 : 10,
    showPoints: 'never',
    spanNulls: false,
    stacking: { mode: spec.stack === true ? 'normal' : 'none', group: 'A' },
    thresholdsStyle: { mode: spec.steps === undefined ? 'off' : 'dashed' }
  }
  return {
    ...base(spec, 'timeseries'),
    targets: targets(spec.queries, false),
    fieldConfig: { defaults: { ...defaults(spec, spec.steps), custom }, overrides: [] },
    options: {
      legend: { displayMode: 'list', placement: 'bottom', showLegend: true, calcs: [] },
      tooltip: { mode: 'multi', sort: 'desc' }
    }
  }
}

/**
 * A stat panel showing the last value of each series. `mappings` turns values into words
 * (`{ 0: ['not ready', 'red'] }`).
 */
export function stat (spec: PanelSpec & { mappings?: Record<number, readonly [string, string]>, steps?: Steps }): Panel {
  const mappings = spec.mappings === undefined
    ? []
    : [{
        type: 'value',
        options: Object.fromEntries(Object.entries(spec.mappings).map(([value, [text, color]], index) => [value, { text, color, index }]))
      }]
  return {
    ...base(spec, 'stat'),
    targets: targets(spec.queries, false),
    fieldConfig: { defaults: { ...defaults(spec, spec.steps), mappings }, overrides: [] },
    options: {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      colorMode: spec.mappings === undefined ? 'value' : 'background',
      graphMode: 'none',
      textMode: 'value_and_name',
      orientation: 'auto',
      justifyMode: 'auto'
    }
  }
}

/**
 * A bar chart of instant queries in table form, one bar group per value of `xField` (a label), one
 * bar per query. The queries' tables are merged on that label and their value columns renamed to the
 * queries' legends, so `[{ legend: 'observed' }, { legend: 'reference' }]` gives two bars per bin.
 */
export function barchart (spec: PanelSpec & { xField: string }): Panel {
  const renameByName = Object.fromEntries(spec.queries.map((q, i) => [`Value #${REF_IDS[i]!}`, q.legend]))
  return {
    ...base(spec, 'barchart'),
    targets: targets(spec.queries, true),
    fieldConfig: { defaults: { ...defaults(spec), custom: { fillOpacity: 80, lineWidth: 1, gradientMode: 'none' } }, overrides: [] },
    options: {
      xField: spec.xField,
      orientation: 'vertical',
      showValue: 'never',
      stacking: 'none',
      groupWidth: 0.7,
      barWidth: 0.9,
      legend: { displayMode: 'list', placement: 'bottom', showLegend: true, calcs: [] },
      tooltip: { mode: 'multi', sort: 'none' }
    },
    // merge joins the tables on their common columns (Time and the label): one row per label value.
    transformations: [
      { id: 'merge', options: {} },
      { id: 'organize', options: { excludeByName: { Time: true }, renameByName } }
    ]
  }
}

/** A row header (expanded: its panels follow it at the top level of the dashboard's `panels`). */
export function row (id: number, title: string): Panel {
  return { id, type: 'row', title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y: 0 }, panels: [] }
}

/** A row header and the panels under it, in reading order. */
export interface Section { row: Panel, panels: readonly Panel[] }

/**
 * Places sections top to bottom on the 24-column grid: each row header on its own line, then its
 * panels left to right, wrapping to a new line when the next panel would pass column 24. A line is as
 * tall as its tallest panel, so nothing overlaps whatever the widths and heights.
 */
export function layoutRows (sections: readonly Section[]): Panel[] {
  const out: Panel[] = []
  let y = 0
  for (const section of sections) {
    out.push({ ...section.row, gridPos: { ...section.row.gridPos, x: 0, y } })
    y += section.row.gridPos.h
    let x = 0
    let lineHeight = 0
    for (const panel of section.panels) {
      const { w, h } = panel.gridPos
      if (w > 24) throw new RangeError(`panel ${panel.id} "${panel.title}": width ${w} is wider than the grid (24)`)
      if (x + w > 24) {
        y += lineHeight
        x = 0
        lineHeight = 0
      }
      out.push({ ...panel, gridPos: { h, w, x, y } })
      x += w
      lineHeight = Math.max(lineHeight, h)
    }
    y += lineHeight
  }
  return out
}
