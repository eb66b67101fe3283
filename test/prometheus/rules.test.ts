import { describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'

// The rules files of k8s/prometheus/: promtool accepts them, every alert carries what on-call needs
// (severity, summary, description, a runbook_url whose section exists), and the promtool unit tests
// beside this file (alerts.test.yaml, recording.test.yaml) pass. Each alert has a firing and a quiet case.

const ROOT = join(import.meta.dirname, '..', '..')
const RULES_DIR = join(ROOT, 'k8s', 'prometheus')
const RULE_FILES = readdirSync(RULES_DIR).filter((f) => f.endsWith('.rules.yaml')).map((f) => join(RULES_DIR, f))
const UNIT_TESTS = readdirSync(import.meta.dirname).filter((f) => f.endsWith('.test.yaml'))

interface Rule { alert?: string, record?: string, expr: string, for?: string, labels?: Record<string, string>, annotations?: Record<string, string> }
interface AlertTest { alertname: string, eval_time: string, exp_alerts: unknown[] }

function hasPromtool (): boolean {
  try { execFileSync('promtool', ['--version'], { stdio: 'ignore' }); return true } catch { return false }
}

function alerts (): Rule[] {
  const doc = parse(readFileSync(join(RULES_DIR, 'headliner-alerts.rules.yaml'), 'utf8')) as { groups: { rules: Rule[] }[] }
  return doc.groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined)
}

/** The anchor GitHub and most Markdown renderers give a `## Heading`: lower case, spaces to dashes. */
function anchors (markdown: string): Set<string> {
  return new Set([...markdown.matchAll(/^##+ (.+)$/gm)].map((m) => m[1]!.trim().toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')))
}

function promtool (args: string[], cwd: string): string {
  try {
    return execFileSync('promtool', args, { cwd, encoding: 'utf8', stdio: 'pipe' })
  } catch (err) {
    const e = err as { stdout?: string, stderr?: string }
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`)
  }
}

describe('alert rules: what on-call needs', () => {
  const runbooks = anchors(readFileSync(join(ROOT, 'docs', 'runbooks.md'), 'utf8'))

  it('cover the alerts the package promises', () => {
    expect(alerts().map((a) => a.alert).sort()).toEqual([
      'HeadlinerConfigReloadRefused', 'HeadlinerFeatureDrift', 'HeadlinerGatewayDown', 'HeadlinerLatencyBudgetBurnFast',
      'HeadlinerLatencyBudgetBurnSlow', 'HeadlinerModelNoReadyVersion', 'HeadlinerPredictionDrift', 'HeadlinerRolloutRolledBack',
      'HeadlinerRolloutStalled', 'HeadlinerShadowAgreementLow', 'HeadlinerStateStoreDown', 'HeadlinerUpstreamErrors',
      'HeadlinerVersionErrorRatioHigh', 'HeadlinerVersionNotReady'
    ])
  })

  it.each(alerts().map((a) => [a.alert!, a] as const))('%s has severity, summary, description and a runbook section', (name, rule) => {
    expect(['critical', 'warning']).toContain(rule.labels?.severity)
    expect(rule.annotations?.summary).toBeTruthy()
    expect(rule.annotations?.description).toBeTruthy()
    const anchor = name.toLowerCase()
    expect(rule.annotations?.runbook_url).toBe(`docs/runbooks.md#${anchor}`)
    expect(runbooks.has(anchor), `docs/runbooks.md has no "## ${name}" section`).toBe(true)
  })

  it('every alert has a case that fires and one that does not in alerts.test.yaml', () => {
    const doc = parse(readFileSync(join(import.meta.dirname, 'alerts.test.yaml'), 'utf8')) as { tests: { alert_rule_test?: AlertTest[] }[] }
    const cases = doc.tests.flatMap((t) => t.alert_rule_test ?? [])
    for (const a of alerts()) {
      const mine = cases.filter((c) => c.alertname === a.alert)
      expect(mine.some((c) => c.exp_alerts.length > 0), `${a.alert} never fires`).toBe(true)
      expect(mine.some((c) => c.exp_alerts.length === 0), `${a.alert} has no quiet case`).toBe(true)
    }
  })
})

describe.skipIf(!hasPromtool())('rules files under promtool', () => {
  it.each(RULE_FILES.map((f) => [f.slice(RULES_DIR.length + 1), f]))('%s passes promtool check rules', (_name, file) => {
    expect(promtool(['check', 'rules', file], ROOT)).toContain('SUCCESS')
  })

  it.each(UNIT_TESTS)('%s passes promtool test rules', (file) => {
    expect(promtool(['test', 'rules', file], import.meta.dirname)).toContain('SUCCESS')
  })
})
