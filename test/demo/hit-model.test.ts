import { describe, it, expect } from 'vitest'
import { FEATURES, V3_FEATURE_ORDER } from '../../src/demo/features.js'
import { argmax, createHitModel, type DemoVersion } from '../../src/demo/hit-model.js'
import { generateSong, mulberry32, songToRow, type Song } from '../../src/demo/songs.js'

const SONGS: Song[] = (() => {
  const random = mulberry32(2024)
  return Array.from({ length: 2000 }, () => generateSong(random))
})()
const CANONICAL_ROWS = SONGS.map((song) => songToRow(song))

function topOneAgreement (a: number[][], b: number[][]): number {
  let same = 0
  for (let i = 0; i < a.length; i++) if (argmax(a[i] as number[]) === argmax(b[i] as number[])) same++
  return same / a.length
}

function expectProbabilities (vector: number[]): void {
  expect(vector).toHaveLength(72)
  let sum = 0
  for (const p of vector) {
    expect(p).toBeGreaterThanOrEqual(0)
    expect(p).toBeLessThanOrEqual(1)
    sum += p
  }
  expect(Math.abs(sum - 1)).toBeLessThan(1e-12)
}

describe('createHitModel', () => {
  it.each(['v1', 'v2', 'v3'] as DemoVersion[])('%s is deterministic across instances', (version) => {
    const rows = CANONICAL_ROWS.slice(0, 50)
    expect(createHitModel(version).predict(rows)).toEqual(createHitModel(version).predict(rows))
  })

  it('declares its feature order: canonical for v1 and v2, V3_FEATURE_ORDER for v3', () => {
    expect(createHitModel('v1').featureOrder).toEqual(FEATURES)
    expect(createHitModel('v2').featureOrder).toEqual(FEATURES)
    expect(createHitModel('v3').featureOrder).toEqual(V3_FEATURE_ORDER)
    expect(createHitModel('v2').version).toBe('v2')
  })

  it('refuses an unknown version', () => {
    expect(() => createHitModel('v4' as DemoVersion)).toThrow('unknown version "v4"')
  })

  it('returns one valid probability vector per row, for Float64Array rows too', () => {
    const model = createHitModel('v1')
    const rows = CANONICAL_ROWS.slice(0, 2)
    const out = model.predict(rows)
    expect(out).toHaveLength(2)
    out.forEach(expectProbabilities)
    expect(out[0]).not.toEqual(out[1])
    expect(model.predict(rows.map((row) => Float64Array.from(row)))).toEqual(out)
    expect(model.predict([])).toEqual([])
  })

  it('gives valid probabilities for absurd but finite raw values (standardised scores are bounded)', () => {
    const [out] = createHitModel('v2').predict([[1e6, -1e6, 99, 1e9, 5, 1e3, -7, 1e12, 0, 0, 1e15, -1e15]])
    expectProbabilities(out as number[])
    expect(Math.max(...(out as number[]))).toBeLessThan(1)
  })

  it('names the row of a wrong width or a non-finite value', () => {
    const model = createHitModel('v1')
    const good = CANONICAL_ROWS[0] as number[]
    expect(() => model.predict([good, good.slice(0, 11)])).toThrow('rows[1]: expected 12 features, got 11')
    const bad = [...good]
    bad[10] = Number.NaN
    expect(() => model.predict([bad])).toThrow('rows[0][10] (tempo): expected a finite number, got NaN')
  })

  it('is not flat: the top country of a typical song has probability 0.1-0.6 (>= 80% of 2000 songs)', () => {
    for (const version of ['v1', 'v2'] as DemoVersion[]) {
      const tops = createHitModel(version).predict(CANONICAL_ROWS).map((p) => Math.max(...p))
      const inBand = tops.filter((p) => p >= 0.1 && p <= 0.6).length / tops.length
      expect(inBand).toBeGreaterThan(0.8)
    }
  })

  it('spreads top-1 answers over many countries (no country above 20% of songs)', () => {
    const counts = new Map<number, number>()
    for (const p of createHitModel('v1').predict(CANONICAL_ROWS)) counts.set(argmax(p), (counts.get(argmax(p)) ?? 0) + 1)
    expect(counts.size).toBeGreaterThan(30)
    expect(Math.max(...counts.values()) / CANONICAL_ROWS.length).toBeLessThan(0.2)
  })
})

describe('versions relate as designed', () => {
  const v1 = createHitModel('v1').predict(CANONICAL_ROWS)
  const v2 = createHitModel('v2').predict(CANONICAL_ROWS)
  const v3 = createHitModel('v3')

  it('v2 is a light retrain of v1: top-1 agreement 85-95% over 2000 songs', () => {
    // Measured 0.8825 on these 2000 songs (seed 2024); the band is the design target.
    const agreement = topOneAgreement(v1, v2)
    expect(agreement).toBeGreaterThanOrEqual(0.85)
    expect(agreement).toBeLessThanOrEqual(0.95)
    expect(v1).not.toEqual(v2)
  })

  it('v3 given rows in V3_FEATURE_ORDER answers what v2 answers in canonical order (within 1e-9)', () => {
    const v3Rows = SONGS.map((song) => songToRow(song, V3_FEATURE_ORDER))
    const out = v3.predict(v3Rows)
    let worst = 0
    for (let i = 0; i < out.length; i++) {
      const a = out[i] as number[]
      const b = v2[i] as number[]
      for (let c = 0; c < 72; c++) worst = Math.max(worst, Math.abs((a[c] as number) - (b[c] as number)))
    }
    expect(worst).toBeLessThan(1e-9)
  })

  it('v3 fed canonical-order rows answers valid probabilities that rarely agree with v1 (< 30%)', () => {
    const wrong = v3.predict(CANONICAL_ROWS)
    wrong.slice(0, 200).forEach(expectProbabilities)
    expect(topOneAgreement(v1, wrong)).toBeLessThan(0.3)
  })
})

describe('argmax', () => {
  it('returns the index of the largest value, the first one on ties', () => {
    expect(argmax([0.1, 0.5, 0.4])).toBe(1)
    expect(argmax([0.3, 0.3, 0.1])).toBe(0)
    expect(argmax([1])).toBe(0)
  })
})
