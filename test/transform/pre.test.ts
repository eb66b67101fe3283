import { describe, it, expect } from 'vitest'
import { compileTransform } from '../../src/transform/compile.js'
import { loadTransform } from '../../src/transform/load.js'
import { MAX_REPORTED_ERRORS, pre, specPre } from '../../src/transform/pre.js'
import { parseTransformSpec } from '../../src/transform/spec.js'
import type { Transform } from '../../src/transform/types.js'

/** Compile an inline spec over labels A, B, C. */
function make (features: unknown[], limits: unknown = { maxInstances: 3 }): Transform {
  const parsed = parseTransformSpec({ schemaVersion: 1, model: { input: { datatype: 'FP32' }, output: { datatype: 'FP32' } }, features, output: { labels: 'x.json', top: 2 }, limits })
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'))
  const compiled = compileTransform('inline.yaml', parsed.spec, { codes: ['A', 'B', 'C'], names: ['Alpha', 'Bravo', 'Charlie'] })
  if (!compiled.ok) throw new Error(compiled.problems.join('\n'))
  return compiled.transform
}

const ISSUE_EXAMPLE = { danceability: 0.71, energy: 0.8, key: 5, loudness: -5.2, mode: 1, speechiness: 0.05, acousticness: 0.1, instrumentalness: 0, liveness: 0.12, valence: 0.6, tempo: 118, duration_ms: 201000 }
const v2 = await loadTransform('models/hit-predictor/v2/transform.yaml')
const v3 = await loadTransform('models/hit-predictor/v3/transform.yaml')
const errorOf = (r: ReturnType<typeof pre>): string => r.ok ? 'ok' : `${r.fault}: ${r.error}`

describe('specPre: ordering and batching', () => {
  it('puts the issue example in v2 canonical order, unscaled', () => {
    expect(specPre(v2, [ISSUE_EXAMPLE])).toEqual({ ok: true, batch: { rows: 1, width: 12, data: [0.71, 0.8, 5, -5.2, 1, 0.05, 0.1, 0, 0.12, 0.6, 118, 201000] } })
  })

  it('puts the same instance in v3 order: tempo, duration_ms first', () => {
    const r = specPre(v3, [ISSUE_EXAMPLE])
    expect(r.ok && r.batch.data).toEqual([118, 201000, 0.71, 0.8, 0.6, -5.2, 5, 1, 0.05, 0.1, 0, 0.12])
  })

  it('ignores the order of keys in the instance', () => {
    const t = make([{ name: 'a' }, { name: 'b' }])
    expect(specPre(t, [{ b: 2, a: 1 }])).toEqual({ ok: true, batch: { rows: 1, width: 2, data: [1, 2] } })
  })

  it('lays a batch out row-major', () => {
    const t = make([{ name: 'a' }, { name: 'b' }])
    expect(specPre(t, [{ a: 1, b: 2 }, { a: 3, b: 4 }, { a: 5, b: 6 }])).toEqual({ ok: true, batch: { rows: 3, width: 2, data: [1, 2, 3, 4, 5, 6] } })
  })
})

describe('specPre: scaling and defaults', () => {
  it('standardises: (value - mean) / std, after the range check on the raw value', () => {
    const t = make([{ name: 'speed', max: 300, scale: { mean: 100, std: 50 } }])
    // (250 - 100) / 50 = 3 ; (100 - 100) / 50 = 0 ; (75 - 100) / 50 = -0.5
    expect(specPre(t, [{ speed: 250 }, { speed: 100 }, { speed: 75 }])).toEqual({ ok: true, batch: { rows: 3, width: 1, data: [3, 0, -0.5] } })
    expect(errorOf(specPre(t, [{ speed: 301 }]))).toBe('caller: instances[0].speed: must be <= 300, got 301')
  })

  it('expresses min-max scaling as mean = min, std = max - min', () => {
    const t = make([{ name: 'loudness', min: -60, max: 5, scale: { mean: -60, std: 65 } }])
    // (-60 + 60) / 65 = 0 ; (5 + 60) / 65 = 1 ; (-27.5 + 60) / 65 = 0.5
    expect(specPre(t, [{ loudness: -60 }, { loudness: 5 }, { loudness: -27.5 }])).toEqual({ ok: true, batch: { rows: 3, width: 1, data: [0, 1, 0.5] } })
  })

  it('uses the default for an absent feature (scaled like a sent one) but not for null', () => {
    const t = make([{ name: 'a' }, { name: 'b', default: 4, scale: { mean: 2, std: 2 } }])
    expect(specPre(t, [{ a: 1 }])).toEqual({ ok: true, batch: { rows: 1, width: 2, data: [1, 1] } })
    expect(errorOf(specPre(t, [{ a: 1, b: null }]))).toBe('caller: instances[0].b: must be a number, got null')
  })
})

describe('specPre: rejected instances never become a batch', () => {
  const t = make([{ name: 'tempo', min: 0, exclusiveMin: true, max: 300 }, { name: 'key', type: 'integer', min: 0, max: 11 }, { name: 'mode', type: 'integer', enum: [0, 1] }])
  const ok = { tempo: 118, key: 5, mode: 1 }

  it.each([
    ['a missing feature', { key: 5, mode: 1 }, 'instances[0]: missing feature "tempo"'],
    ['NaN', { ...ok, tempo: NaN }, 'instances[0].tempo: must be a finite number, got NaN'],
    ['Infinity', { ...ok, tempo: Infinity }, 'instances[0].tempo: must be a finite number, got Infinity'],
    ['-Infinity', { ...ok, tempo: -Infinity }, 'instances[0].tempo: must be a finite number, got -Infinity'],
    ['a numeric string', { ...ok, tempo: '118' }, 'instances[0].tempo: must be a number, got string "118"'],
    ['a boolean', { ...ok, mode: true }, 'instances[0].mode: must be a number, got boolean true'],
    ['an array', { ...ok, tempo: [118] }, 'instances[0].tempo: must be a number, got an array of 1'],
    ['a fraction for an integer', { ...ok, key: 5.5 }, 'instances[0].key: must be an integer, got 5.5'],
    ['a value outside the enum', { ...ok, mode: 2 }, 'instances[0].mode: must be one of 0, 1, got 2'],
    ['a value above max', { ...ok, tempo: 512 }, 'instances[0].tempo: must be <= 300, got 512'],
    ['the exclusive min itself', { ...ok, tempo: 0 }, 'instances[0].tempo: must be > 0, got 0'],
    ['a value below an inclusive min', { ...ok, key: -1 }, 'instances[0].key: must be >= 0, got -1'],
    ['an unknown feature close to a known one', { ...ok, temp: 1 }, 'instances[0]: unknown feature "temp"; did you mean "tempo"?'],
    ['a swapped-letters typo', { ...ok, kye: 1 }, 'instances[0]: unknown feature "kye"; did you mean "key"?'],
    ['an unknown feature far from all', { ...ok, colour: 1 }, 'instances[0]: unknown feature "colour"']
  ])('%s', (_, instance, error) => {
    expect(specPre(t, [instance])).toEqual({ ok: false, fault: 'caller', error })
  })

  it('accepts the bounds that are inclusive', () => {
    expect(specPre(t, [{ tempo: 300, key: 0, mode: 0 }, { tempo: 0.001, key: 11, mode: 1 }]).ok).toBe(true)
  })

  it('names the instance by its index in the batch', () => {
    expect(errorOf(specPre(t, [ok, ok, { ...ok, tempo: 512 }]))).toBe('caller: instances[2].tempo: must be <= 300, got 512')
  })

  it('reports a missing feature and its misspelt key together', () => {
    expect(errorOf(specPre(t, [{ temp: 118, key: 5, mode: 1 }]))).toBe('caller: instances[0]: missing feature "tempo"; instances[0]: unknown feature "temp"; did you mean "tempo"?')
  })

  it.each([
    ['not an array', { tempo: 1 }, 'instances: must be an array of objects, got an object'],
    ['absent', undefined, 'instances: must be an array of objects, got nothing'],
    ['empty', [], 'instances: must hold at least one instance'],
    ['over the limit', [ok, ok, ok, ok], 'instances: 4 instances exceed the limit of 3 per request'],
    ['holding a non-object', [ok, 7], 'instances[1]: must be an object of named features, got 7'],
    ['holding null', [null], 'instances[0]: must be an object of named features, got null']
  ])('instances %s', (_, instances, error) => {
    expect(specPre(t, instances)).toEqual({ ok: false, fault: 'caller', error })
  })

  it(`stops at ${MAX_REPORTED_ERRORS} problems and says more were not shown`, () => {
    const wide = make([{ name: 'a', max: 1 }], { maxInstances: 100 })
    const r = specPre(wide, Array.from({ length: 50 }, () => ({ a: 2 })))
    const parts = r.ok ? [] : r.error.split('; ')
    expect(parts).toHaveLength(MAX_REPORTED_ERRORS + 1)
    expect(parts[9]).toBe('instances[9].a: must be <= 1, got 2')
    expect(parts[10]).toBe('(more problems not shown)')
  })

  it('does not read inherited properties as features', () => {
    const odd = make([{ name: 'constructor' }])
    expect(errorOf(specPre(odd, [{}]))).toBe('caller: instances[0]: missing feature "constructor"')
  })
})

describe('pre without a custom module', () => {
  it('is specPre', () => {
    expect(pre(v2, [ISSUE_EXAMPLE])).toEqual(specPre(v2, [ISSUE_EXAMPLE]))
  })
})
