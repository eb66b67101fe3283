// Small time-series charts per model with one line per version, drawn by uPlot from the 5-minute
// timeline each version carries in GET /status (60 buckets of 5 s), so a fresh page shows the last
// five minutes at once instead of filling up poll by poll.
/* global uPlot */
import { h } from './dom.js'

const COLOURS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04']

export const CHARTS = [
  { key: 'requestsPerSecond', title: 'requests/s', value: (v) => v, roles: ['serving', 'candidate', 'shadow'] },
  { key: 'errorRatio', title: 'error ratio', value: (v) => v === null ? null : v * 100, unit: '%', roles: ['serving', 'candidate', 'shadow'] },
  { key: 'p99Ms', title: 'p99 latency', unit: 'ms', value: (v) => v, roles: ['serving', 'candidate', 'shadow'] },
  { key: 'agreement', title: 'shadow agreement', unit: '%', value: (v) => v === null ? null : v * 100, roles: ['shadow'] }
]

/** Chart state of one model: its uPlot instances and the version list they were built for. */
export function chartBox () {
  return { el: h('div', { class: 'charts' }), plots: new Map(), shape: '' }
}

/** Draws (or updates) the four charts of a model. Rebuilds a chart only when its versions change. */
export function drawCharts (box, model) {
  for (const chart of CHARTS) {
    const versions = model.versions.filter((v) => chart.roles.includes(v.role))
    const key = chart.key
    let entry = box.plots.get(key)
    const shape = versions.map((v) => v.name).join(',')
    if (versions.length === 0) {
      if (entry !== undefined) { entry.plot.destroy(); entry.wrap.remove(); box.plots.delete(key) }
      continue
    }
    const first = versions[0].timeline
    const xs = first.requestsPerSecond.map((_, i) => first.start + i * first.bucketSeconds)
    const data = [xs, ...versions.map((v) => v.timeline[key].map(chart.value))]
    if (entry !== undefined && entry.shape === shape) {
      entry.plot.setData(data)
      continue
    }
    if (entry !== undefined) { entry.plot.destroy(); entry.wrap.remove() }
    const wrap = h('figure', { class: 'chart', dataset: { chart: key } }, h('figcaption', {}, chart.unit ? `${chart.title} (${chart.unit})` : chart.title))
    box.el.append(wrap)
    const opts = {
      width: 300,
      height: 140,
      legend: { show: true, live: false },
      cursor: { show: false },
      scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.min(0, min ?? 0), Math.max(max ?? 1, chart.unit === '%' ? 1 : 0.001) * 1.1] } },
      axes: [{ size: 28 }, { size: 44 }],
      // One colour per version across the charts; a bucket without traffic (null) is bridged, not a break.
      series: [{}, ...versions.map((v) => ({ label: v.name, stroke: COLOURS[model.versions.indexOf(v) % COLOURS.length], width: 1.5, spanGaps: true }))]
    }
    entry = { plot: new uPlot(opts, data, wrap), wrap, shape }
    box.plots.set(key, entry)
  }
}
