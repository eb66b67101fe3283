import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DriftWindow } from '../../src/drift/window.js'
import { jsDistance, psi } from '../../src/drift/math.js'
import { requiredSamples } from '../../src/drift/monitor.js'

// Runs k8s/prometheus/headliner-drift.rules.yaml through promtool, with two replicas' counters as
// input, and compares the recorded values of both groups (10m window, totals since start) with what one
// process computes from the combined traffic. The live proof with a real Prometheus is
// fleet-prometheus.test.ts.

const RULES = join(import.meta.dirname, '..', '..', 'k8s', 'prometheus', 'headliner-drift.rules.yaml')

function hasPromtool (): boolean {
  try { execFileSync('promtool', ['--version'], { stdio: 'ignore' }); return true } catch { return false }
}

const MODEL = 'hit-predictor'
const MINUTES = 20 // counters sampled every minute from 0 to 20 m; rules evaluated at 20 m
/** Minutes of traffic each group sees at 20 m: the [10m] range, and everything since 0. */
const SCOPES = [{ suffix: '10m', minutes: 10 }, { suffix: 'total', minutes: MINUTES }] as const

interface Dist {
  name: string
  reference: number[]
  /** Increments per minute of each bin on replica a and b; null: that series does not exist. */
  a: (number | null)[]
  b: (number | null)[]
  /** Samples needed before it is judged: max(200, ceil((bins - 1) / (8 ln2 0.05^2))), by hand. */
  required: number
}

const uniform = (n: number): number[] => new Array<number>(n).fill(1 / n)
// tempo: bin 03 has no counter series at all (the rule's `or` must count it as 0; then PSI clamps it).
// mode: bin 02 has zero reference mass (PSI clamps, JS skips it) but replica a sees values there.
// key: 20 observations in 10 minutes, below 200: absent in both groups.
// energy: 210 in 10 minutes, above minSamples but below the 4-bin floor of 217; 420 in total.
// danceability / loudness: 660 / 640 in 10 minutes around the 10-bin floor of 650.
const FEATURES: Dist[] = [
  { name: 'tempo', reference: [0.1, 0.2, 0.3, 0.4], a: [10, 20, 30, null], b: [20, 10, 50, null], required: 217 },
  { name: 'mode', reference: [0.3, 0.7, 0], a: [5, 10, 2], b: [3, 6, null], required: 200 },
  { name: 'key', reference: [0.5, 0.5], a: [1, 0], b: [0, 1], required: 200 },
  { name: 'energy', reference: uniform(4), a: [6, 5, 5, 5], b: [0, 0, 0, 0], required: 217 },
  { name: 'danceability', reference: uniform(10), a: [2, 3, 4, 5, 6, 7, 8, 9, 0, 0], b: [0, 0, 0, 0, 0, 0, 0, 0, 11, 11], required: 650 },
  { name: 'loudness', reference: uniform(10), a: [2, 3, 4, 5, 6, 7, 8, 9, 0, 0], b: [0, 0, 0, 0, 0, 0, 0, 0, 10, 10], required: 650 }
]
const CLASSES = ['SE', 'US', 'BR', 'DE']
const CLASS_REFERENCE = [0.5, 0.3, 0.2, 0] // DE: a class the training data never predicted
// v4: SE (reference 0.5) has no counter series on either replica; its JS term must still count.
// v5: 210 in 10 minutes, below the 4-class floor of 217; 420 in total.
const VERSIONS: Dist[] = [
  { name: 'v1', reference: CLASS_REFERENCE, a: [10, 5, 5, 0], b: [10, 5, 5, 0], required: 217 },
  { name: 'v2', reference: CLASS_REFERENCE, a: [2, 10, 20, 3], b: [0, 4, 1, 0], required: 217 },
  { name: 'v3', reference: CLASS_REFERENCE, a: [1, 0, 0, 0], b: [0, 0, 0, 0], required: 217 },
  { name: 'v4', reference: CLASS_REFERENCE, a: [null, 10, 20, 3], b: [null, 4, 1, 0], required: 217 },
  { name: 'v5', reference: CLASS_REFERENCE, a: [10, 5, 6, 0], b: [0, 0, 0, 0], required: 217 }
]
/** A second model with 72 classes (like the demo's countries) exports only its reference: floor 5122. */
const WORLD = { model: 'world', classes: 72, required: 5122 }

const bin = (i: number): string => String(i).padStart(2, '0')
const counter = (perMinute: number): string => `0+${perMinute}x${MINUTES}`
const gauge = (value: number): string => `${value}+0x${MINUTES}`
const perMinute = (d: Dist): number => [...d.a, ...d.b].reduce<number>((s, n) => s + (n ?? 0), 0)

/** What one process sees when it gets both replicas' traffic of the last `minutes` minutes. */
function oneProcessCounts (d: Dist, minutes: number): Float64Array {
  const window = new DriftWindow([d.reference.length], { kind: 'count', size: 100_000 }, () => 0)
  for (let minute = 0; minute < minutes; minute++) {
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
        const n = side[i]
        if (n !== null && n !== undefined) add(`headliner_prediction_class_total{model="${MODEL}",version="${v.name}",class="${c}",instance="${instance}"}`, counter(n))
      }
    })
  }
  CLASSES.forEach((c, i) => {
    for (const instance of ['a', 'b']) add(`headliner_prediction_reference_ratio{model="${MODEL}",class="${c}",instance="${instance}"}`, gauge(CLASS_REFERENCE[i]!))
  })
  for (let i = 0; i < WORLD.classes; i++) add(`headliner_prediction_reference_ratio{model="${WORLD.model}",class="C${bin(i)}",instance="a"}`, gauge(1 / WORLD.classes))
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

/** Every check of both groups; `expectations` counts the present and absent values for the sanity test. */
function checks (): { lines: string[], present: number, absent: number } {
  const lines: string[] = []
  let present = 0
  let missing = 0
  for (const { suffix, minutes } of SCOPES) {
    for (const f of FEATURES) {
      const labels = `feature="${f.name}", model="${MODEL}"`
      const names = [`model_feature:headliner_feature_drift_psi:${suffix}`, `model_feature:headliner_feature_drift_js:${suffix}`]
      if (perMinute(f) * minutes < f.required) {
        for (const n of names) lines.push(...absent(n, `feature="${f.name}"`))
        missing++
        continue
      }
      const counts = oneProcessCounts(f, minutes)
      lines.push(...close(names[0]!, `feature="${f.name}"`, labels, psi(f.reference, counts)))
      lines.push(...close(names[1]!, `feature="${f.name}"`, labels, jsDistance(f.reference, counts)))
      present++
    }
    for (const v of VERSIONS) {
      const name = `model_version:headliner_prediction_drift_js:${suffix}`
      if (perMinute(v) * minutes < v.required) {
        lines.push(...absent(name, `version="${v.name}"`))
        missing++
        continue
      }
      lines.push(...close(name, `version="${v.name}"`, `model="${MODEL}", version="${v.name}"`, jsDistance(CLASS_REFERENCE, oneProcessCounts(v, minutes))))
      present++
    }
  }
  for (const f of FEATURES) lines.push(...close('model_feature:headliner_feature_drift_required_samples', `feature="${f.name}"`, `feature="${f.name}", model="${MODEL}"`, f.required))
  lines.push(...close('model:headliner_prediction_drift_required_samples', `model="${MODEL}"`, `model="${MODEL}"`, 217))
  lines.push(...close('model:headliner_prediction_drift_required_samples', `model="${WORLD.model}"`, `model="${WORLD.model}"`, WORLD.required))
  return { lines, present, absent: missing }
}

describe('fleet rules: required samples', () => {
  it('the hand-written floors are those of requiredSamples in src/drift/monitor.ts', () => {
    const t = { minSamples: 200, js: 0.1 }
    expect([2, 3, 4, 10, 72].map((k) => requiredSamples(t, k))).toEqual([200, 200, 217, 650, 5122])
  })
})

describe.skipIf(!hasPromtool())('fleet recording rules in k8s/prometheus/headliner-drift.rules.yaml', () => {
  let dir = ''
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'headliner-rules-'))
    copyFileSync(RULES, join(dir, 'rules.yml'))
  })
  afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

  it('pass promtool check rules', () => {
    expect(execFileSync('promtool', ['check', 'rules', RULES], { encoding: 'utf8' })).toContain('SUCCESS')
  })

  it('record the PSI and JS one process computes for the combined traffic of two replicas', () => {
    const { lines, present, absent: missing } = checks()
    // Sanity: the scenario has values on both sides of every floor, and a real shift that weighs in
    // through the epsilon clamp of the empty tempo bin.
    expect([present, missing]).toEqual([15, 7])
    expect(psi(FEATURES[0]!.reference, oneProcessCounts(FEATURES[0]!, 10))).toBeGreaterThan(1)

    const test = ['rule_files: [rules.yml]', 'evaluation_interval: 1m', 'tests:', '  - interval: 1m', '    input_series:',
      ...inputSeries(), '    promql_expr_test:', ...lines].join('\n') + '\n'
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
