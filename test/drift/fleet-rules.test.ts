import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DriftWindow } from '../../src/drift/window.js'
import { jsDistance, psi } from '../../src/drift/math.js'

// The recording rules live in docs/drift.md (section 7) until the integration moves them to a rules
// file; this test runs exactly that YAML through promtool, with two replicas' counters as input, and
// compares the recorded values with what one process computes from the combined traffic.

function hasPromtool (): boolean {
  try { execFileSync('promtool', ['--version'], { stdio: 'ignore' }); return true } catch { return false }
}

const MODEL = 'hit-predictor'
const MINUTES = 20 // counters sampled every minute from 0 to 20 m; rules evaluated at 20 m over [10m]

interface Dist {
  name: string
  reference: number[]
  /** Increments per minute of each bin on replica a and b; null: that series does not exist. */
  a: (number | null)[]
  b: (number | null)[]
}

// tempo: bin 03 has no counter series at all (the rule's `or` must count it as 0; then PSI clamps it).
// mode: bin 02 has zero reference mass (PSI clamps, JS skips it) but replica a sees values there.
// key: 20 observations in 10 minutes, below minSamples 200: no recorded value.
const FEATURES: Dist[] = [
  { name: 'tempo', reference: [0.1, 0.2, 0.3, 0.4], a: [10, 20, 30, null], b: [20, 10, 50, null] },
  { name: 'mode', reference: [0.3, 0.7, 0], a: [5, 10, 2], b: [3, 6, null] },
  { name: 'key', reference: [0.5, 0.5], a: [1, 0], b: [0, 1] }
]
const CLASSES = ['SE', 'US', 'BR', 'DE']
const CLASS_REFERENCE = [0.5, 0.3, 0.2, 0] // DE: a class the training data never predicted
const VERSIONS: Dist[] = [
  { name: 'v1', reference: CLASS_REFERENCE, a: [10, 5, 5, 0], b: [10, 5, 5, 0] },
  { name: 'v2', reference: CLASS_REFERENCE, a: [2, 10, 20, 3], b: [0, 4, 1, 0] },
  { name: 'v3', reference: CLASS_REFERENCE, a: [1, 0, 0, 0], b: [0, 0, 0, 0] }
]

const bin = (i: number): string => String(i).padStart(2, '0')
const counter = (perMinute: number): string => `0+${perMinute}x${MINUTES}`
const gauge = (value: number): string => `${value}+0x${MINUTES}`

/** What one process sees when it gets both replicas' traffic of the last 10 minutes. */
function oneProcessCounts (d: Dist): Float64Array {
  const window = new DriftWindow([d.reference.length], { kind: 'count', size: 100_000 }, () => 0)
  for (let minute = 0; minute < 10; minute++) {
    for (const side of [d.a, d.b]) {
      side.forEach((n, i) => { for (let k = 0; k < (n ?? 0); k++) window.observe(0, i) })
    }
  }
  return window.counts(0)
}

function inputSeries (): string[] {
  const lines: string[] = []
  const add = (series: string, values: string): void => { lines.push(`      - series: '${series}'`, `        values: '${values}'`) }
  for (const f of FEATURES) {
    f.reference.forEach((r, i) => {
      for (const [instance, side] of [['a', f.a], ['b', f.b]] as const) {
        const base = `model="${MODEL}",feature="${f.name}",bin="${bin(i)}",instance="${instance}"`
        const n = side[i]
        if (n !== null && n !== undefined) add(`headliner_feature_observations_total{${base}}`, counter(n))
        add(`headliner_feature_reference_ratio{${base}}`, gauge(r))
      }
    })
  }
  for (const v of VERSIONS) {
    CLASSES.forEach((c, i) => {
      for (const [instance, side] of [['a', v.a], ['b', v.b]] as const) {
        add(`headliner_prediction_class_total{model="${MODEL}",version="${v.name}",class="${c}",instance="${instance}"}`, counter(side[i] ?? 0))
      }
    })
  }
  CLASSES.forEach((c, i) => {
    for (const instance of ['a', 'b']) add(`headliner_prediction_reference_ratio{model="${MODEL}",class="${c}",instance="${instance}"}`, gauge(CLASS_REFERENCE[i]!))
  })
  return lines
}

/** A check that `metric{selector}` equals `expected` within 1e-9 relative (1 when true). */
function close (metric: string, selector: string, labels: string, expected: number): string[] {
  return [
    `      - expr: 'abs(${metric}{${selector}} / ${expected} - 1) < bool 1e-9'`,
    `        eval_time: ${MINUTES}m`,
    '        exp_samples:',
    `          - labels: '{${labels}}'`,
    '            value: 1'
  ]
}

function absent (metric: string, selector: string): string[] {
  return [`      - expr: '${metric}{${selector}}'`, `        eval_time: ${MINUTES}m`, '        exp_samples: []']
}

describe.skipIf(!hasPromtool())('fleet recording rules in docs/drift.md', () => {
  let dir = ''
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'headliner-rules-'))
    const doc = readFileSync(new URL('../../docs/drift.md', import.meta.url), 'utf8')
    const block = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes('record:'))
    if (block === undefined) throw new Error('docs/drift.md has no yaml block with recording rules')
    writeFileSync(join(dir, 'rules.yml'), block)
  })
  afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

  it('pass promtool check rules', () => {
    expect(execFileSync('promtool', ['check', 'rules', join(dir, 'rules.yml')], { encoding: 'utf8' })).toContain('SUCCESS')
  })

  it('record the PSI and JS one process computes for the combined traffic of two replicas', () => {
    const checks: string[] = []
    for (const f of FEATURES.slice(0, 2)) {
      const counts = oneProcessCounts(f)
      const labels = `feature="${f.name}", model="${MODEL}"`
      checks.push(...close('model_feature:headliner_feature_drift_psi:10m', `feature="${f.name}"`, labels, psi(f.reference, counts)))
      checks.push(...close('model_feature:headliner_feature_drift_js:10m', `feature="${f.name}"`, labels, jsDistance(f.reference, counts)))
    }
    checks.push(...absent('model_feature:headliner_feature_drift_psi:10m', 'feature="key"'))
    checks.push(...absent('model_feature:headliner_feature_drift_js:10m', 'feature="key"'))
    for (const v of VERSIONS.slice(0, 2)) {
      const js = jsDistance(CLASS_REFERENCE, oneProcessCounts(v))
      checks.push(...close('model_version:headliner_prediction_drift_js:10m', `version="${v.name}"`, `model="${MODEL}", version="${v.name}"`, js))
    }
    checks.push(...absent('model_version:headliner_prediction_drift_js:10m', 'version="v3"'))
    // Sanity: the scenario is a real shift, the empty tempo bin weighing in through the epsilon clamp.
    expect(psi(FEATURES[0]!.reference, oneProcessCounts(FEATURES[0]!))).toBeGreaterThan(1)

    const test = ['rule_files: [rules.yml]', 'evaluation_interval: 1m', 'tests:', '  - interval: 1m', '    input_series:',
      ...inputSeries(), '    promql_expr_test:', ...checks].join('\n') + '\n'
    writeFileSync(join(dir, 'test.yml'), test)
    let output: string
    try {
      output = execFileSync('promtool', ['test', 'rules', 'test.yml'], { cwd: dir, encoding: 'utf8', stdio: 'pipe' })
    } catch (err) {
      const e = err as { stdout?: string, stderr?: string }
      throw new Error(`promtool test rules failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`)
    }
    expect(output).toContain('SUCCESS')
  })
})
