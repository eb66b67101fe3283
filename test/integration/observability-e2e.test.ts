/**
 * The observability package against the real thing: the demo (v1 90 %, v2 10 %, v3 a shadow, drift
 * reference) plus a model whose only version answers 500, behind an in-process gateway; a real
 * Prometheus scraping it every second with every rules file of k8s/prometheus/ loaded; plain, sticky
 * and drifted song traffic and failing requests. Every PromQL expression of the dashboards and of the
 * rules must be accepted by Prometheus, every rule must evaluate without error, and the failing
 * version's error-ratio alert must go pending. (Per-panel data is checked by test/dashboards/live.test.ts.)
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { demoConfig } from '../../src/cli/demo.js'
import { buildHeadlinerDashboard, dashboardQueries } from '../../src/dashboards/headliner.js'
import type { RunningModelServer } from '../../src/demo/model-server.js'
import { generateSong, mulberry32 } from '../../src/demo/songs.js'
import { startFaultyUpstream } from '../helpers/fault-server.js'
import { startDemoVersions, startGateway, type TestGateway } from '../helpers/gateway.js'
import { prometheusMissing, startPrometheus, waitFor, type RunningPrometheus } from '../helpers/prometheus.js'

const ROOT = join(import.meta.dirname, '..', '..')
const RULES_DIR = join(ROOT, 'k8s', 'prometheus')
const RULE_FILES = readdirSync(RULES_DIR).filter((f) => f.endsWith('.rules.yaml')).map((f) => join(RULES_DIR, f))
const VALUES: Record<string, string> = { __rate_interval: '30s', __range: '5m', __interval: '30s', namespace: '.*', job: '.*', model: 'hit-predictor', version: '.*', feature: 'danceability' }
const concrete = (expr: string): string => expr.replace(/\$\{?(\w+)\}?/g, (_, name: string) => VALUES[name] ?? `$${name}`)

interface RuleGroup { name: string, rules: Array<{ name: string, health: string, lastError?: string, type: string, state?: string }> }

function ruleExpressions (): Array<{ where: string, expr: string }> {
  return RULE_FILES.flatMap((file) => {
    const doc = parse(readFileSync(file, 'utf8')) as { groups: Array<{ rules: Array<{ record?: string, alert?: string, expr: string }> }> }
    return doc.groups.flatMap((g) => g.rules).map((r) => ({ where: `${file.slice(RULES_DIR.length + 1)} ${r.record ?? r.alert ?? '?'}`, expr: r.expr }))
  })
}

const missing = prometheusMissing()

describe.skipIf(missing !== undefined)(`observability end to end${missing === undefined ? '' : ` (skipped: ${missing})`}`, () => {
  let models: RunningModelServer[] = []
  let faulty: Awaited<ReturnType<typeof startFaultyUpstream>> | undefined
  let gateway: TestGateway | undefined
  let prometheus: RunningPrometheus | undefined

  beforeAll(async () => {
    models = await startDemoVersions()
    faulty = await startFaultyUpstream('status500')
    const [v1, v2, v3] = models.map((m) => m.url) as [string, string, string]
    const demo = demoConfig({ host: '127.0.0.1', modelPort: 0, port: 0, adminPort: 0, scenario: 'default' }, { v1, v2, v3 })
    gateway = await startGateway({ ...demo, models: { ...demo.models, failing: { versions: { bad: { url: faulty.url, weight: 100 } } } } })
    prometheus = await startPrometheus({ targets: [new URL(gateway.adminUrl).host], ruleFiles: RULE_FILES, intervalSeconds: 1 })
    const prom = prometheus
    await waitFor('the first scrape', async () => ((await prom.query('headliner_version_ready')).length === 4 ? true : undefined), { timeoutMs: 15_000 })

    const url = gateway.url
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }).then(async (r) => { await r.arrayBuffer(); return r.status })
    const random = mulberry32(11)
    // generateSong's drift moves the population the way charts have moved (src/demo/songs.ts).
    const songs = (n: number, drift: number) => Array.from({ length: n }, () => generateSong(random, drift))
    // ~6 s of traffic: plain, sticky (a user header), named version, drifted, and the failing model.
    for (let round = 0; round < 6; round++) {
      const statuses = await Promise.all([
        post('/v1/models/hit-predictor:predict', { instances: songs(20, 0) }),
        post('/v1/models/hit-predictor:predict', { instances: songs(20, 0) }, { 'x-user-id': `user-${round}` }),
        post('/v1/models/hit-predictor:predict', { instances: songs(20, 0.8) }),
        ...Array.from({ length: 10 }, () => post('/v2/models/failing/infer', { inputs: [{ name: 'x', datatype: 'FP32', shape: [1], data: [1] }] }))
      ])
      expect(statuses.slice(0, 3)).toEqual([200, 200, 200])
      expect(new Set(statuses.slice(3)).size).toBe(1)
      expect(statuses[3]).toBeGreaterThanOrEqual(500)
      await new Promise((resolve) => setTimeout(resolve, 1000))
    }
  }, 90_000)

  afterAll(async () => {
    await Promise.allSettled([prometheus?.close(), gateway?.close(), faulty?.close(), ...models.map((m) => m.close())])
  })

  it('accepts every PromQL expression of the dashboard and of the rules files', async () => {
    const all = [...dashboardQueries(buildHeadlinerDashboard()).map((q) => ({ where: q.where, expr: concrete(q.expr) })), ...ruleExpressions()]
    expect(all.length).toBeGreaterThan(90)
    const refused: string[] = []
    for (const q of all) {
      try { await prometheus!.query(q.expr) } catch (err) { refused.push(`${q.where}: ${String(err)}`) }
    }
    expect(refused).toEqual([])
  })

  it('evaluates every recording and alerting rule without error', async () => {
    const groups = await waitFor('every rule evaluated once', async () => {
      const body = await (await fetch(`${prometheus!.url}/api/v1/rules`)).json() as { data: { groups: RuleGroup[] } }
      const rules = body.data.groups.flatMap((g) => g.rules)
      return rules.every((r) => r.health !== 'unknown') ? body.data.groups : undefined
    }, { timeoutMs: 20_000 })
    expect(groups.map((g) => g.name).sort()).toEqual(['headliner-control', 'headliner-drift', 'headliner-drift-reference', 'headliner-drift-total', 'headliner-quality', 'headliner-red', 'headliner-serving', 'headliner-slo'])
    const bad = groups.flatMap((g) => g.rules).filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.lastError ?? r.health}`)
    expect(bad).toEqual([])
  })

  it('records the failing version\'s error ratio per namespace and job, and its alert goes pending', async () => {
    const prom = prometheus!
    const ratio = await waitFor('the error ratio of failing/bad', async () => (await prom.query('namespace_job_model_version:headliner_request_error_ratio:rate5m{model="failing"}'))[0], { timeoutMs: 20_000 })
    expect(ratio.labels).toMatchObject({ job: 'headliner', model: 'failing', version: 'bad' })
    expect(ratio.value).toBe(1)
    const healthy = await prom.query('namespace_job_model_version:headliner_request_error_ratio:rate5m{model="hit-predictor",version="v1"}')
    expect(healthy.map((s) => s.value)).toEqual([0])
    const alert = await waitFor('HeadlinerVersionErrorRatioHigh pending', async () => (await prom.query('ALERTS{alertname="HeadlinerVersionErrorRatioHigh"}'))[0], { timeoutMs: 20_000 })
    expect(alert.labels).toMatchObject({ alertstate: 'pending', model: 'failing', version: 'bad', severity: 'critical' })
  })
})
