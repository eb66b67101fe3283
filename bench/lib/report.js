/**
 * Results: medians over rounds, markdown tables for stdout and the README, and the JSON file
 * bench/results/<scenario>-<date>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url))

/** x rounded to `digits` decimals, or null when it is not a finite number. */
export function round (x, digits = 0) {
  return (x === null || x === undefined || !Number.isFinite(x)) ? null : Math.round(x * 10 ** digits) / 10 ** digits
}

/** Median of numbers (the mean of the middle two for an even count); null when none. */
export function median (values) {
  const xs = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b)
  if (xs.length === 0) return null
  const mid = xs.length >> 1
  return xs.length % 2 === 1 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2
}

/**
 * One row from the same target's rows of several rounds: numeric fields are medians (each on its
 * own, as DESIGN.md reports medians), errors are summed, the rest comes from the first round.
 */
export function medianRow (rows) {
  const out = { ...rows[0], rounds: rows.length }
  for (const [key, value] of Object.entries(rows[0])) {
    if (key === 'errors' || key === 'non2xx' || key === 'requests') out[key] = rows.reduce((a, r) => a + (r[key] ?? 0), 0)
    else if (typeof value === 'number') out[key] = median(rows.map((r) => r[key]))
  }
  out.perRound = rows.map(({ rps, p50Ms, p99Ms, p999Ms, proxyCpuUsPerReq, stealPct, otherProcsPct }) => ({ rps, p50Ms, p99Ms, p999Ms, proxyCpuUsPerReq, stealPct, otherProcsPct }))
  out.range = {}
  for (const key of RANGED) {
    const xs = rows.map((r) => r[key]).filter((v) => typeof v === 'number')
    if (xs.length > 0) out.range[key] = [Math.min(...xs), Math.max(...xs)]
  }
  return out
}

/** The figures whose min-max over the rounds a median row keeps (`range`). */
const RANGED = ['rps', 'p50Ms', 'p99Ms', 'p999Ms', 'proxyCpuUsPerReq', 'proxyPeakRssMb']

/** The default columns of a load table: [header, row => cell]. */
export const LOAD_COLUMNS = [
  ['target', (r) => r.target],
  ['req/s', (r) => fmt(r.rps, 0)],
  ['p50 ms', (r) => fmt(r.p50Ms, 3)],
  ['p99 ms', (r) => fmt(r.p99Ms, 3)],
  ['errors / non-2xx', (r) => `${r.errors} / ${r.non2xx}`],
  ['proxy CPU us/req', (r) => fmt(r.proxyCpuUsPerReq, 1)],
  ['upstream CPU us/req', (r) => fmt(r.upstreamCpuUsPerReq, 1)],
  ['core 0: ours / other %', (r) => `${fmt(r.serverCoreBusyPct, 0)} / ${fmt(r.serverCoreOtherPct, 0)}`],
  ['core 1: load gen / all %', (r) => `${fmt(r.loadCpuPct, 0)} / ${fmt(r.loadCoreBusyPct, 0)}`],
  ['proxy peak RSS MB', (r) => fmt(r.proxyPeakRssMb, 1)]
]

export function fmt (x, digits) {
  if (x === null || x === undefined) return '-'
  return digits === 0 ? Math.round(x).toLocaleString('en-US') : x.toFixed(digits)
}

/** A markdown table. `columns` is a list of [header, row => string, 'left'?] (default: first left, rest right). */
export function markdownTable (rows, columns = LOAD_COLUMNS) {
  const head = `| ${columns.map(([h]) => h).join(' | ')} |`
  const rule = `|${columns.map(([, , align], i) => (i === 0 || align === 'left' ? '---' : '---:')).join('|')}|`
  const body = rows.map((r) => `| ${columns.map(([, cell]) => String(cell(r)).replaceAll('|', '\\|')).join(' | ')} |`)
  return [head, rule, ...body].join('\n')
}

/** A two-column markdown table of named figures: [[name, value], ...]. */
export function figuresTable (figures, header = ['ratio', 'value']) {
  return [`| ${header[0]} | ${header[1]} |`, '|---|---:|', ...figures.map(([k, v]) => `| ${k} | ${v} |`)].join('\n')
}

/** Write the JSON result of one scenario; returns its path. */
export function writeResult (scenario, data, date = new Date(), dir = RESULTS_DIR) {
  mkdirSync(dir, { recursive: true })
  const stamp = date.toISOString().replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z')
  const file = join(dir, `${scenario}-${stamp}.json`)
  writeFileSync(file, JSON.stringify(data, null, 2) + '\n')
  return file
}
