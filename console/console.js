/* global document */
// The Headliner console: GET /status every 2 s, one section per model with its verdict and reasons,
// the weights as a bar, the versions with their 1- and 5-minute numbers, shadows, drift, the
// rollout, charts, and the latest shadow disagreements. No build step: plain modules.
import { badge, clock, count, fill, h, millis, percent, rate } from './dom.js'
import { chartBox, drawCharts } from './charts.js'
import { authHeaders, rolloutButtons, token, weightsForm } from './actions.js'

const POLL_MS = 2000
const sections = new Map()

function windowCells (w) {
  return [h('td', { dataset: { field: 'rate' } }, rate(w.ratePerSecond)),
    h('td', { dataset: { field: 'errors' } }, w.requests === 0 ? '-' : `${percent(w.errorRatio)} of ${count(w.requests)}`),
    h('td', { dataset: { field: 'latency' } }, w.requests === 0 ? '-' : `${millis(w.p50Ms)} / ${millis(w.p99Ms)}`)]
}

function versionsTable (m) {
  const head = h('tr', {}, ['version', 'role', 'weight', 'ready', 'req/s 1m', 'errors 1m', 'p50 / p99 1m', 'req/s 5m', 'errors 5m', 'p50 / p99 5m'].map((t) => h('th', {}, t)))
  const rows = m.versions.map((v) => h('tr', { dataset: { version: v.name } },
    h('th', { scope: 'row' }, v.name), h('td', {}, v.role),
    h('td', {}, v.role === 'shadow' ? `mirror ${v.mirror ?? 0} %` : `${v.weight} %`),
    h('td', { class: v.ready ? 'ready' : 'not-ready', title: v.reason }, v.ready ? 'ready' : `not ready: ${v.reason}`),
    windowCells(v.windows['1m']), windowCells(v.windows['5m'])))
  return h('table', { class: 'versions' }, h('thead', {}, head), h('tbody', {}, rows))
}

function weightsBar (m) {
  const serving = m.versions.filter((v) => v.role !== 'shadow' && v.weight > 0)
  return serving.map((v, i) => h('span', { class: `segment c${i % 7}`, style: { width: `${v.weight}%` }, title: `${v.name} ${v.weight} %` }, `${v.name} ${v.weight} %`))
}

function shadowLines (m) {
  return m.shadows.map((s) => {
    const w5 = s.windows['5m']; const w1 = s.windows['1m']
    const div = w5.divergenceMean === null ? '' : `, divergence ${w5.divergenceMean.toFixed(3)}`
    return h('li', { dataset: { shadow: s.shadow } }, `shadow ${s.shadow} vs ${s.primary}: agrees ${percent(w5.agreementRate)} of ${count(w5.agree + w5.disagree)} over 5 min (1 min: ${percent(w1.agreementRate)} of ${count(w1.agree + w1.disagree)})${div}`)
  })
}

function driftLine (m) {
  if (m.drift === null) return 'drift: not configured'
  const worst = m.drift.worst.map((f) => f.psi !== undefined ? `${f.name} PSI ${f.psi.toFixed(2)}` : `${f.name} JS ${f.js.toFixed(2)}`)
  return [h('strong', {}, 'drift: '), badge(m.drift.verdict), worst.length > 0 ? ` worst: ${worst.join(', ')}` : '']
}

function rolloutBlock (m) {
  const r = m.rollout
  if (r === undefined) return []
  const steps = (r.steps ?? []).map((s) => h('li', { class: s === r.step ? 'current' : s < r.step ? 'done' : '' }, `${s} %`))
  const decisions = (r.decisions ?? []).slice(-10).reverse().map((d) => h('li', {}, `${clock(d.at)} step ${d.step} %: ${d.result}: ${d.reason}`))
  return [h('p', {}, h('strong', {}, 'rollout: '), `${r.candidate} ${r.state.replace('_', ' ')} at ${r.step} %`),
    h('ol', { class: 'steps' }, steps), decisions.length > 0 ? h('ul', { class: 'decisions' }, decisions) : '']
}

/** "Sweden (SE) 31 %" from an answer's first top-k entry, else its JSON, shortened. */
function topAnswer (answer) {
  const top = answer?.predictions?.[0]?.top?.[0]
  if (top && typeof top.name === 'string') {
    const code = Object.entries(top).find(([k, v]) => k !== 'name' && typeof v === 'string')?.[1]
    return `${top.name}${code ? ` (${code})` : ''} ${percent(top.probability)}`
  }
  return short(answer)
}

const short = (value) => { const s = JSON.stringify(value) ?? String(value); return s.length > 160 ? `${s.slice(0, 157)}...` : s }

function diffItems (diffs) {
  if (diffs.length === 0) return [h('li', { class: 'muted' }, 'no disagreement recorded')]
  return diffs.map((d) => h('li', { class: 'diff', dataset: { request: d.requestId } },
    h('div', {}, `${d.at} ${d.outcome}: ${d.primary} said `, h('strong', { class: 'primary-answer' }, topAnswer(d.primaryAnswer)), `, ${d.shadow} said `, h('strong', { class: 'shadow-answer' }, d.error ?? topAnswer(d.shadowAnswer))),
    h('div', { class: 'input muted' }, `input ${short(d.input)}`)))
}

function section (m) {
  let s = sections.get(m.model)
  if (s !== undefined) return s
  const parts = { title: h('h2'), reasons: h('ul', { class: 'reasons' }), bar: h('div', { class: 'weights-bar' }), table: h('div'), shadows: h('ul', { class: 'shadows' }), drift: h('p', { class: 'drift' }), rollout: h('div', { class: 'rollout' }), charts: chartBox(), diffs: h('ol', { class: 'diffs' }), actions: h('div', { class: 'actions' }) }
  parts.actions.append(h('h3', {}, 'Release actions (write token)'), weightsForm(m))
  s = { ...parts, hasRolloutButtons: false, el: h('section', { class: 'model', dataset: { model: m.model } }, parts.title, parts.reasons, parts.bar, parts.table, parts.shadows, parts.drift, parts.rollout, parts.charts.el, h('h3', {}, 'Recent shadow disagreements'), parts.diffs, parts.actions) }
  sections.set(m.model, s)
  document.getElementById('models').append(s.el)
  return s
}

function render (report) {
  fill(document.getElementById('overall'), badge(report.verdict))
  document.getElementById('updated').textContent = `updated ${report.generatedAt.slice(11, 19)} UTC`
  for (const m of report.models) {
    const s = section(m)
    fill(s.title, m.model, ' ', badge(m.verdict))
    fill(s.reasons, m.reasons.map((r) => h('li', {}, r)))
    fill(s.bar, weightsBar(m))
    fill(s.table, versionsTable(m))
    fill(s.shadows, shadowLines(m))
    fill(s.drift, driftLine(m))
    fill(s.rollout, rolloutBlock(m))
    drawCharts(s.charts, m)
    if (m.rollout !== undefined && !s.hasRolloutButtons) { s.actions.append(rolloutButtons(m)); s.hasRolloutButtons = true }
    s.actions.hidden = token.get() === ''
  }
  for (const [name, s] of sections) if (!report.models.some((m) => m.model === name)) { s.el.remove(); sections.delete(name) }
}

async function getJson (url) {
  const res = await fetch(url, { headers: authHeaders({ accept: 'application/json' }), signal: AbortSignal.timeout(5000) })
  if (res.status === 401) throw new Error('the admin API wants a token: enter a read token above')
  if (!res.ok) throw new Error(`${url} answered ${res.status}`)
  return await res.json()
}

async function poll () {
  const problem = document.getElementById('problem')
  try {
    const report = await getJson('/status')
    render(report)
    await Promise.all(report.models.filter((m) => m.versions.some((v) => v.role === 'shadow')).map(async (m) => {
      const answer = await getJson(`/admin/models/${encodeURIComponent(m.model)}/shadow/diffs?limit=5`).catch(() => ({ diffs: [] }))
      fill(sections.get(m.model).diffs, diffItems(answer.diffs ?? []))
    }))
    problem.hidden = true
  } catch (err) {
    problem.textContent = `cannot read the status: ${err.message}`
    problem.hidden = false
  }
  document.body.dataset.polls = String(Number(document.body.dataset.polls ?? 0) + 1)
  setTimeout(poll, POLL_MS)
}

document.getElementById('token').value = token.get()
document.getElementById('token-form').addEventListener('submit', (event) => {
  event.preventDefault()
  token.set(document.getElementById('token').value.trim())
  for (const s of sections.values()) s.actions.hidden = token.get() === ''
})
document.getElementById('token-forget').addEventListener('click', () => { token.set(''); document.getElementById('token').value = ''; for (const s of sections.values()) s.actions.hidden = true })
poll()
