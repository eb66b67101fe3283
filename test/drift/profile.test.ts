import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildProfile, loadProfile, parseProfile, type Profile } from '../../src/drift/profile.js'
import { compileProfile } from '../../src/drift/compile.js'
import { HeadlinerError } from '../../src/errors.js'

const NOW = new Date('2025-01-31T12:00:00.000Z')

/** tempo 1..10, mode: 3 zeros then 7 ones. */
const ROWS = Array.from({ length: 10 }, (_, i) => ({ tempo: i + 1, mode: i < 3 ? 0 : 1 }))

function valid (): Profile {
  return {
    schemaVersion: 1,
    model: 'hit-predictor',
    createdAt: '2025-01-31T12:00:00.000Z',
    samples: 100,
    features: { tempo: { edges: [90, 120], proportions: [0.25, 0.5, 0.25] } },
    prediction: { classes: { SE: 0.5, US: 0.3, BR: 0.2 } }
  }
}

function problems (json: unknown): string {
  try {
    parseProfile(json, 'reference.json')
  } catch (err) {
    expect(err).toBeInstanceOf(HeadlinerError)
    expect((err as HeadlinerError).code).toBe('HEADLINER_ERR_PROFILE')
    return (err as Error).message
  }
  throw new Error('expected the profile to be rejected')
}

describe('buildProfile', () => {
  it('bins each feature at its quantiles and records the shares', () => {
    const p = buildProfile(ROWS, { model: 'hit-predictor', bins: 5, now: NOW })
    // tempo: edges at ranks 2, 4, 6, 8 -> two rows per bin; mode: one edge [0] -> 3 / 7
    expect(p).toEqual({
      schemaVersion: 1,
      model: 'hit-predictor',
      createdAt: '2025-01-31T12:00:00.000Z',
      samples: 10,
      features: {
        tempo: { edges: [2, 4, 6, 8], proportions: [0.2, 0.2, 0.2, 0.2, 0.2] },
        mode: { edges: [0], proportions: [0.3, 0.7] }
      }
    })
  })

  it('profiles the chosen features in the given order, and the predicted class shares', () => {
    const predictions = ['US', 'SE', 'SE', 'BR', 'SE', 'US', 'SE', 'SE', 'US', 'SE']
    const p = buildProfile(ROWS, { model: 'm', bins: 2, features: ['mode'], predictions, now: NOW })
    expect(Object.keys(p.features)).toEqual(['mode'])
    // 6 SE, 3 US, 1 BR out of 10; keys sorted
    expect(p.prediction).toEqual({ classes: { BR: 0.1, SE: 0.6, US: 0.3 } })
    expect(Object.keys(p.prediction!.classes)).toEqual(['BR', 'SE', 'US'])
  })

  it('names the row of a missing or non-finite value', () => {
    expect(() => buildProfile([{ tempo: 1 }, { mode: 1 }], { model: 'm', bins: 2, now: NOW })).toThrow('rows[1].tempo: must be a finite number (got undefined)')
    expect(() => buildProfile([{ tempo: 1 }, { tempo: NaN }], { model: 'm', bins: 2, now: NOW })).toThrow('rows[1].tempo')
    expect(() => buildProfile([], { model: 'm', bins: 2, now: NOW })).toThrow('cannot build a profile from no rows')
    expect(() => buildProfile(ROWS, { model: 'm', bins: 2, predictions: ['SE'], now: NOW })).toThrow('predictions has 1 entries for 10 rows')
  })
})

describe('parseProfile', () => {
  it('accepts a valid profile', () => {
    expect(parseProfile(valid(), 'reference.json')).toEqual(valid())
  })

  it('says which proportions do not sum to 1, and by how much', () => {
    const p = valid()
    p.features.tempo = { edges: [90, 120], proportions: [0.25, 0.43, 0.25] }
    expect(problems(p)).toBe('reference.json: features.tempo.proportions: must sum to 1 (got 0.93)')
  })

  it('requires edges.length + 1 proportions and strictly increasing edges', () => {
    const p = valid()
    p.features.tempo = { edges: [120, 90, 90], proportions: [0.5, 0.5] }
    const message = problems(p)
    expect(message).toContain('reference.json: features.tempo.edges[1]: must be greater than edges[0]')
    expect(message).toContain('reference.json: features.tempo.edges[2]: must be greater than edges[1]')
    expect(message).toContain('reference.json: features.tempo.proportions: must have edges.length + 1 = 4 entries (got 2)')
  })

  it('reports every problem at once, one per line, each with its path', () => {
    const p = { ...valid(), schemaVersion: 2, samples: 0, prediction: { classes: { SE: 0.5, US: -0.1 } } }
    const lines = problems(p).split('\n')
    expect(lines).toContain('reference.json: schemaVersion: must be 1 (the only profile format this version reads)')
    expect(lines).toContain('reference.json: samples: must be an integer >= 1')
    expect(lines).toContain('reference.json: prediction.classes.US: must be >= 0')
  })

  it('rejects a profile with nothing in it and a bad timestamp', () => {
    const message = problems({ ...valid(), features: {}, prediction: undefined, createdAt: 'yesterday' })
    expect(message).toContain('reference.json: features: must describe at least one feature')
    expect(message).toContain('reference.json: createdAt: must be an ISO 8601 UTC timestamp')
  })
})

describe('loadProfile', () => {
  let dir = ''
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'headliner-profile-')) })
  afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

  it('reads what buildProfile wrote', () => {
    const file = join(dir, 'reference.json')
    const built = buildProfile(ROWS, { model: 'hit-predictor', bins: 5, now: NOW })
    writeFileSync(file, JSON.stringify(built))
    expect(loadProfile(file)).toEqual(built)
  })

  it('names the file when it is missing or not JSON', () => {
    expect(() => loadProfile(join(dir, 'nope.json'))).toThrow(/nope\.json: cannot read the profile: ENOENT/)
    const bad = join(dir, 'bad.json')
    writeFileSync(bad, '{"schemaVersion": 1,')
    expect(() => loadProfile(bad)).toThrow(/bad\.json: not valid JSON/)
  })
})

describe('compileProfile', () => {
  it('precomputes edges, normalised reference shares, labels and indices', () => {
    const p = valid()
    p.features.tempo = { edges: [90, 120], proportions: [0.25, 0.5, 0.2500004] } // within tolerance, not exact
    p.features.mode = { edges: [0], proportions: [0.3, 0.7] }
    const c = compileProfile(parseProfile(p, 'reference.json'))
    expect(c.model).toBe('hit-predictor')
    expect(c.features.map((f) => f.name)).toEqual(['tempo', 'mode'])
    expect(c.featureIndex.mode).toBe(1)
    expect(c.featureBinCounts).toEqual([3, 2])
    const tempo = c.features[0]!
    expect(tempo.edges).toBeInstanceOf(Float64Array)
    expect([...tempo.edges]).toEqual([90, 120])
    expect(tempo.labels).toEqual(['00', '01', '02'])
    // 0.25 / 1.0000004 etc.: the sum is now 1 up to rounding
    expect(tempo.reference[0]).toBeCloseTo(0.25 / 1.0000004, 15)
    expect(tempo.reference.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 15)
  })

  it('orders prediction classes as given, then profile-only ones, with 0 for unseen classes', () => {
    const c = compileProfile(valid(), { classes: ['US', 'SE', 'constructor'] })
    expect(c.prediction!.classes).toEqual(['US', 'SE', 'constructor', 'BR'])
    expect([...c.prediction!.reference]).toEqual([0.3, 0.5, 0, 0.2])
    expect(c.prediction!.index.BR).toBe(3)
    expect(c.prediction!.index.toString).toBeUndefined() // no prototype: names are only names
  })

  it('freezes what can be frozen', () => {
    const c = compileProfile(valid())
    expect(Object.isFrozen(c)).toBe(true)
    expect(Object.isFrozen(c.features)).toBe(true)
    expect(Object.isFrozen(c.features[0])).toBe(true)
    expect(Object.isFrozen(c.features[0]!.labels)).toBe(true)
    expect(Object.isFrozen(c.featureIndex)).toBe(true)
    expect(Object.isFrozen(c.prediction)).toBe(true)
  })
})
