/**
 * dashboards/headliner.json is generated from src/dashboards/ and must not drift from it; every query
 * must name metrics and labels that src/metrics/metrics.ts (or the drift recording rules) define, and
 * must pass promtool. To refresh the committed file:
 *   HEADLINER_WRITE_DASHBOARDS=1 npx vitest run test/dashboards/dashboard.test.ts
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Registry } from 'prom-client'
import { describe, it, expect } from 'vitest'
import { parse, stringify } from 'yaml'
import { buildHeadlinerDashboard, CONCERN_DASHBOARDS, dashboardQueries, type DashboardQuery } from '../../src/dashboards/headliner.js'
import type { Panel } from '../../src/dashboards/panels.js'
import { checkRefs, type MetricCatalogue } from '../../src/dashboards/promql-refs.js'
import { createMetrics } from '../../src/metrics/metrics.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const JSON_FILE = join(ROOT, 'dashboards/headliner.json')
const RULES_FILE = join(ROOT, 'k8s/prometheus/headliner-drift.rules.yaml')

const dashboard = buildHeadlinerDashboard() as { panels: Panel[], templating: { list: Array<{ name: string }> } }
const queries = dashboardQueries(dashboard)
const dataPanels = dashboard.panels.filter((p) => p.type !== 'row')

/**
 * Labels Prometheus attaches to every scraped series (the target's), on top of the metric's own:
 * `namespace` where Kubernetes service discovery relabels it in (kube-prometheus does).
 */
const TARGET_LABELS = ['namespace', 'job', 'instance']

/** Metric names and labels as the gateway registers them (default Node metrics included). */
function gatewayCatalogue (): Map<string, Set<string>> {
  const registry = new Registry()
  createMetrics(registry)
  const out = new Map<string, Set<string>>()
  for (const m of registry.getMetricsAsArray() as unknown as Array<{ name: string, type: string, labelNames?: readonly string[] }>) {
    const labels = [...(m.labelNames ?? []), ...TARGET_LABELS]
    if (m.type === 'histogram' || m.type === 'summary') {
      out.set(m.type === 'histogram' ? `${m.name}_bucket` : m.name, new Set([...labels, m.type === 'histogram' ? 'le' : 'quantile']))
      out.set(`${m.name}_sum`, new Set(labels))
      out.set(`${m.name}_count`, new Set(labels))
    } else {
      out.set(m.name, new Set(labels))
    }
  }
  return out
}

/**
 * Recording rules: the rules file once it exists, else the YAML in docs/drift.md section 7. A rule's
 * labels are its level, by the naming convention `level:metric:operations` (`model_feature:...` keeps
 * model and feature).
 */
function recordingRules (): { source: string, rules: Map<string, Set<string>> } {
  let source = RULES_FILE
  let text: string
  if (existsSync(RULES_FILE)) text = readFileSync(RULES_FILE, 'utf8')
  else {
    source = join(ROOT, 'docs/drift.md')
    const block = /```yaml\n(groups:[\s\S]*?)```/.exec(readFileSync(source, 'utf8'))
    if (block === null) throw new Error(`${source}: no yaml block with the recording rules`)
    text = block[1]!
  }
  const doc = parse(text) as { groups: Array<{ rules: Array<{ record?: string }> }> }
  const rules = new Map<string, Set<string>>()
  // The rules aggregate by namespace and job as well as their level, so both deployments stay apart.
  for (const g of doc.groups) for (const r of g.rules) if (r.record !== undefined) rules.set(r.record, new Set([...r.record.split(':')[0]!.split('_'), 'namespace', 'job']))
  return { source, rules }
}

/** Grafana's variables replaced by values Prometheus accepts, for promtool. */
const CONCRETE: Record<string, string> = {
  __rate_interval: '1m',
  __range: '1h',
  __interval: '1m',
  namespace: 'prod',
  job: 'headliner',
  model: 'hit-predictor',
  version: 'v1|v2',
  feature: 'danceability'
}

function concrete (expr: string): string {
  return expr.replace(/\$\{?(\w+)\}?/g, (_, name: string) => {
    const value = CONCRETE[name]
    if (value === undefined) throw new Error(`no concrete value for $${name} in: ${expr}`)
    return value
  })
}

function hasPromtool (): boolean {
  try { execFileSync('promtool', ['--version'], { stdio: 'ignore' }); return true } catch { return false }
}

/** Runs the expressions through `promtool check rules` as recording rules; returns promtool's complaint or ''. */
function promtoolCheck (list: readonly DashboardQuery[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'headliner-dashboard-'))
  try {
    const rules = list.map((q, i) => ({ record: `dashboard:query_${i}:${q.where.replace(/\W+/g, '_')}`, expr: concrete(q.expr) }))
    const file = join(dir, 'queries.rules.yaml')
    writeFileSync(file, stringify({ groups: [{ name: 'headliner-dashboard', rules }] }))
    execFileSync('promtool', ['check', 'rules', file], { stdio: 'pipe' })
    return ''
  } catch (err) {
    const e = err as { stdout?: Buffer, stderr?: Buffer, message: string }
    return `${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}` || e.message
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('dashboards/headliner.json', () => {
  it('equals the dashboard generated by buildHeadlinerDashboard()', () => {
    const fresh = `${JSON.stringify(dashboard, null, 2)}\n`
    if (process.env.HEADLINER_WRITE_DASHBOARDS === '1') {
      const old = existsSync(JSON_FILE) ? readFileSync(JSON_FILE, 'utf8') : ''
      if (old !== fresh) {
        mkdirSync(dirname(JSON_FILE), { recursive: true })
        writeFileSync(JSON_FILE, fresh)
      }
    }
    const committed = existsSync(JSON_FILE) ? readFileSync(JSON_FILE, 'utf8') : '(missing)'
    expect(committed, `${JSON_FILE} is out of date with src/dashboards/; run: HEADLINER_WRITE_DASHBOARDS=1 npx vitest run test/dashboards/dashboard.test.ts`).toBe(fresh)
  })
})

/** Writes `file` when HEADLINER_WRITE_DASHBOARDS=1 and it differs; returns the committed text. */
function committed (file: string, fresh: string): string {
  if (process.env.HEADLINER_WRITE_DASHBOARDS === '1' && (!existsSync(file) || readFileSync(file, 'utf8') !== fresh)) writeFileSync(file, fresh)
  return existsSync(file) ? readFileSync(file, 'utf8') : '(missing)'
}

describe('dashboards per concern', () => {
  it.each(CONCERN_DASHBOARDS.map((d) => [d.uid, d] as const))('dashboards/%s.json equals the generated one', (uid, d) => {
    const file = join(ROOT, 'dashboards', `${uid}.json`)
    const fresh = `${JSON.stringify(d.build(), null, 2)}\n`
    expect(committed(file, fresh), `${file} is out of date; run: HEADLINER_WRITE_DASHBOARDS=1 npx vitest run test/dashboards/dashboard.test.ts`).toBe(fresh)
  })

  it('take their panels from the overview (same ids and queries), so the checks on it cover them', () => {
    const overview = new Map(dashboard.panels.map((p) => [p.id, JSON.stringify(p.targets ?? [])]))
    for (const d of CONCERN_DASHBOARDS) {
      const own = dashboardQueries(d.build()).filter((q) => q.where.startsWith('panel'))
      expect(own.length, d.uid).toBeGreaterThan(3)
      for (const p of (d.build() as { panels: Panel[] }).panels) expect(overview.get(p.id), `${d.uid} panel ${p.id}`).toBe(JSON.stringify(p.targets ?? []))
    }
  })
})

describe('dashboard queries', () => {
  const catalogue: MetricCatalogue = gatewayCatalogue()
  const { source, rules } = recordingRules()
  const withRules: MetricCatalogue = new Map([...catalogue, ...rules])

  it('has queries to check (panels and label_values variables)', () => {
    expect(queries.length).toBeGreaterThan(30)
    expect(queries.filter((q) => q.where.startsWith('variable')).map((q) => q.where)).toEqual(['variable namespace', 'variable job', 'variable model', 'variable version', 'variable feature'])
  })

  it('thread the namespace and job variables through every query, so two deployments never blend', () => {
    const scoped = queries.filter((q) => q.where !== 'variable namespace' && q.where !== 'variable job')
    const unscoped = scoped.filter((q) => {
      // Every metric selector (name followed by `{`) must carry both matchers.
      const selectors = q.expr.match(/[a-z_:]+\{[^}]*\}/g) ?? []
      return selectors.length === 0 || selectors.some((sel) => !sel.includes('namespace=~"$namespace"') || !sel.includes('job=~"$job"'))
    })
    expect(unscoped.map((q) => `${q.where}: ${q.expr}`)).toEqual([])
  })

  it('name only metrics and labels that src/metrics/metrics.ts registers', () => {
    const problems = queries.flatMap((q) => checkRefs(q.expr, withRules).map((p) => `${q.where}: ${p}`))
    expect(problems).toEqual([])
  })

  it(`use recording rules that ${source.slice(ROOT.length + 1)} records`, () => {
    const used = [...new Set(queries.flatMap((q) => q.expr.match(/\b\w+:\w+:\w+\b/g) ?? []))]
    expect(used.length).toBeGreaterThan(0)
    expect(used.filter((name) => !rules.has(name))).toEqual([])
  })

  it('use only the dashboard\'s own variables and Grafana\'s $__ variables', () => {
    const defined = new Set(dashboard.templating.list.map((v) => v.name))
    const used = new Set(queries.flatMap((q) => [...q.expr.matchAll(/\$\{?(\w+)/g)].map((m) => m[1]!)))
    expect([...used].filter((name) => !name.startsWith('__') && !defined.has(name))).toEqual([])
  })

  it.skipIf(!hasPromtool())('are valid PromQL: promtool check rules accepts every one (variables made concrete)', () => {
    expect(promtoolCheck(queries)).toBe('')
  })

  it.skipIf(!hasPromtool())('would be caught by promtool if one were broken (control)', () => {
    const broken = [...queries, { where: 'control', expr: 'sum by (version) (rate(headliner_requests_total[$__rate_interval])' }]
    expect(promtoolCheck(broken)).toMatch(/"dashboard:query_\d+:control": could not parse expression: .*unclosed left parenthesis/)
  })
})

describe('dashboard layout', () => {
  it('gives every panel a unique id, within its row\'s hundred', () => {
    const ids = dashboard.panels.map((p) => p.id)
    expect(new Set(ids).size).toBe(ids.length)
    let rowId = 0
    for (const p of dashboard.panels) {
      if (p.type === 'row') rowId = p.id
      else expect(Math.floor(p.id / 100) * 100, `panel ${p.id} "${p.title}"`).toBe(rowId)
    }
  })

  it('keeps panels inside the 24-column grid without overlaps', () => {
    const clashes: string[] = []
    dashboard.panels.forEach((a, i) => {
      const g = a.gridPos
      if (g.x < 0 || g.y < 0 || g.w < 1 || g.h < 1 || g.x + g.w > 24) clashes.push(`panel ${a.id} is off the grid: ${JSON.stringify(g)}`)
      for (const b of dashboard.panels.slice(i + 1)) {
        const h = b.gridPos
        if (g.x < h.x + h.w && h.x < g.x + g.w && g.y < h.y + h.h && h.y < g.y + g.h) clashes.push(`panels ${a.id} and ${b.id} overlap`)
      }
    })
    expect(clashes).toEqual([])
  })

  it('gives every data panel and query the ${datasource} variable, and every data panel a unit', () => {
    expect(dataPanels.length).toBeGreaterThan(20)
    for (const p of dataPanels) {
      expect(p.datasource, `panel ${p.id}`).toEqual({ type: 'prometheus', uid: '${datasource}' })
      expect(p.fieldConfig?.defaults.unit, `panel ${p.id} unit`).toMatch(/^\w+$/)
      expect(p.targets?.length, `panel ${p.id} queries`).toBeGreaterThan(0)
      for (const t of p.targets ?? []) expect(t.datasource.uid, `panel ${p.id} ${t.refId}`).toBe('${datasource}')
    }
  })

  it('draws the PSI thresholds at 0.1 and 0.25 on both PSI panels', () => {
    const psi = dataPanels.filter((p) => /^PSI/.test(p.title))
    expect(psi.map((p) => p.id)).toEqual([501, 502])
    for (const p of psi) {
      const d = p.fieldConfig!.defaults as unknown as { thresholds: { steps: Array<{ value: number | null }> }, custom: { thresholdsStyle: { mode: string } } }
      expect(d.thresholds.steps.map((s) => s.value)).toEqual([null, 0.1, 0.25])
      expect(d.custom.thresholdsStyle.mode).not.toBe('off')
    }
  })
})
