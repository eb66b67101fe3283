/**
 * The status report as text for a terminal (`headliner status`): per model a table of its versions
 * over 1 and 5 minutes, the shadow pairs, drift, rollout, then the verdict and its reasons. Plain
 * columns, no colour: the output is pasted into incident channels and read by scripts.
 */
import { clock, count, millis, percent, rate } from './format.js'
import type { ModelReport, StatusReport } from './report.js'
import type { TrafficStats } from './verdict.js'

const HEAD = ['version', 'role', 'weight', 'ready', 'req/s 1m', 'errors 1m', 'p50/p99 1m', 'req/s 5m', 'errors 5m', 'p50/p99 5m']

/** Lines for every model of the report, a blank line between models. */
export function statusText (report: StatusReport): string[] {
  const out: string[] = []
  for (const m of report.models) {
    if (out.length > 0) out.push('')
    out.push(...modelText(m))
  }
  if (report.models.length === 0) out.push('no models')
  return out
}

export function modelText (m: ModelReport): string[] {
  const out = [`${m.model}: ${m.verdict}`]
  const rows = m.versions.map((v) => [
    v.name,
    v.role,
    v.role === 'shadow' ? `mirror ${v.mirror ?? 0} %` : `${v.weight} %`,
    v.ready ? 'yes' : 'no',
    ...numbers(v.windows['1m']),
    ...numbers(v.windows['5m'])
  ])
  out.push(...table([HEAD, ...rows]).map((line) => `  ${line}`))
  for (const v of m.versions) if (!v.ready) out.push(`  ${v.name} not ready: ${v.reason}`)
  for (const s of m.shadows) {
    const [w1, w5] = [s.windows['1m'], s.windows['5m']]
    const div = w5.divergenceMean === null ? '' : `, divergence ${w5.divergenceMean.toFixed(3)}`
    out.push(`  shadow ${s.shadow} vs ${s.primary}: agrees ${percent(w5.agreementRate)} of ${count(w5.agree + w5.disagree)} over 5 min (1 min: ${percent(w1.agreementRate)} of ${count(w1.agree + w1.disagree)})${div}`)
  }
  if (m.drift !== null) {
    const worst = m.drift.worst.map((f) => f.psi !== undefined ? `${f.name} PSI ${f.psi.toFixed(2)}` : `${f.name} JS ${f.js.toFixed(2)}`)
    out.push(`  drift: ${m.drift.verdict}${worst.length > 0 ? ` (worst: ${worst.join(', ')})` : ''}`)
  }
  const r = m.rollout
  if (r !== undefined) {
    const steps = r.steps !== undefined && r.steps.length > 0 ? ` (steps ${r.steps.join(' > ')} %)` : ''
    const last = r.lastDecision !== undefined ? `; last decision ${clock(r.lastDecision.at)} ${r.lastDecision.result}: ${r.lastDecision.reason}` : ''
    out.push(`  rollout: ${r.candidate} ${r.state.replace('_', ' ')} at ${r.step} %${steps}${last}`)
  }
  if (m.reload !== null && !m.reload.ok) out.push(`  last config reload: refused at ${clock(m.reload.at)}`)
  out.push(`  verdict: ${m.verdict}`)
  for (const reason of m.reasons) out.push(`    - ${reason}`)
  return out
}

function numbers (w: TrafficStats): string[] {
  return [rate(w.ratePerSecond), w.requests === 0 ? '-' : `${percent(w.errorRatio)} of ${count(w.requests)}`, w.requests === 0 ? '-' : `${millis(w.p50Ms)}/${millis(w.p99Ms)}`]
}

/** Left-aligned columns two spaces apart. */
function table (rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  return rows.map((r) => r.map((cell, i) => i === r.length - 1 ? cell : cell.padEnd(widths[i]!)).join('  ').trimEnd())
}
