import { describe, it, expect } from 'vitest'
import {
  compare, compareProbabilities, compareRegression, decide, decideRegression, isProbabilityRows,
  type Measures
} from '../../src/shadow/compare.js'
import { jsDivergence } from '../../src/vector.js'

const LOG2_3 = Math.log2(3)

describe('compareProbabilities', () => {
  const primary = [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]]
  const shadow = [[0.6, 0.3, 0.1], [0.1, 0.7, 0.2], [0.5, 0.3, 0.2]]

  it('measures top-1 agreement, top-k overlap and max |Δp| over rows', () => {
    const m = compareProbabilities(primary, shadow, 2)
    expect(m.rows).toBe(3)
    // argmax: primary 0, 1, 2; shadow 0, 1, 0 -> 2 of 3 rows
    expect(m.top1Agreement).toBeCloseTo(2 / 3, 12)
    // top-2: row0 {0,1} vs {0,1} = 1; row1 {1,0} vs {1,2} = 1/2; row2 {2,0} vs {0,1} = 1/2 -> mean 2/3
    expect(m.topkOverlap).toBeCloseTo(2 / 3, 12)
    expect(m.k).toBe(2)
    // largest difference: row 2, |0.3 - 0.5| and |0.4 - 0.2|
    expect(m.maxAbsDelta).toBeCloseTo(0.2, 12)
  })

  it('takes the mean and the max of per-row JS distance', () => {
    // row 0 identical (JS 0), row 1 disjoint one-hot (JS 1: distance and divergence agree at 0 and 1)
    const m = compareProbabilities([[1, 0], [0, 1]], [[1, 0], [1, 0]], 1)
    expect(m.js).toBe(0.5)
    expect(m.jsMax).toBe(1)
    expect(m.top1Agreement).toBe(0.5)
    expect(m.maxAbsDelta).toBe(1)
  })

  it('caps k at the number of classes', () => {
    const m = compareProbabilities([[0.5, 0.3, 0.2]], [[0.2, 0.3, 0.5]], 5)
    expect(m.k).toBe(3)
    expect(m.topkOverlap).toBe(1)
    expect(m.top1Agreement).toBe(0)
  })

  it('accepts Float64Array rows', () => {
    const m = compareProbabilities([Float64Array.of(0.25, 0.75)], [Float64Array.of(0.75, 0.25)], 1)
    // the distance: the square root of the divergence in bits
    expect(m.js).toBeCloseTo(Math.sqrt(-1 + 0.75 * LOG2_3), 12)
  })

  it('measures zero rows as full agreement', () => {
    expect(compareProbabilities([], [], 5)).toEqual({ rows: 0, top1Agreement: 1, topkOverlap: 1, k: 0, js: 0, jsMax: 0, maxAbsDelta: 0 })
  })

  it('throws on a shape mismatch or a bad k', () => {
    expect(() => compareProbabilities([[1, 0]], [[1, 0], [0, 1]])).toThrow(/primary is \[1, 2\], shadow is \[2, 2\]/)
    expect(() => compareProbabilities([[1, 0]], [[1, 0]], 0)).toThrow(/k must be an integer >= 1/)
  })
})

describe('compareRegression', () => {
  it('measures absolute and relative errors against the primary', () => {
    // |Δ| = 0.5, 0, 0, 1 -> max 1, mean 1.5 / 4 = 0.375; relative 0.5/1, 0/2, 0, 1/4 -> max 0.5
    const r = compareRegression([[1, 2], [0, -4]], [[1.5, 2], [0, -5]])
    expect(r).toEqual({ rows: 2, maxAbsError: 1, maxRelError: 0.5, meanAbsError: 0.375 })
  })

  it('floors the denominator so a zero primary does not divide by zero', () => {
    // 1e-6 / max(0, 1e-9) = 1000
    expect(compareRegression([[0]], [[1e-6]]).maxRelError).toBeCloseTo(1000, 6)
  })
})

describe('isProbabilityRows', () => {
  it.each([
    ['a distribution', [[0.2, 0.8]], true],
    ['a sum within 1e-3 of 1', [[0.2, 0.7995]], true],
    ['a value a hair over 1', [[1.0000001, 0]], true],
    ['a sum 2e-3 off', [[0.2, 0.798]], false],
    ['a sum above 1', [[0.5, 0.6]], false],
    ['a negative value', [[1.1, -0.1]], false],
    ['NaN', [[NaN, 1]], false],
    ['no rows', [], false],
    ['an empty row', [[]], false],
    ['one bad row of two', [[0.5, 0.5], [2, -1]], false]
  ])('%s -> %s', (_name, rows, expected) => {
    expect(isProbabilityRows(rows)).toBe(expected)
  })
})

describe('decide', () => {
  const m: Measures = { rows: 2, top1Agreement: 0.5, topkOverlap: 0.6, k: 5, js: 0.01, jsMax: 0.02, maxAbsDelta: 0.1 }

  it('top1 agrees only when every row agrees', () => {
    expect(decide({ kind: 'top1' }, m)).toBe('disagree')
    expect(decide({ kind: 'top1' }, { ...m, top1Agreement: 1 })).toBe('agree')
  })

  it('topk compares the mean overlap with minOverlap (inclusive)', () => {
    expect(decide({ kind: 'topk', k: 5, minOverlap: 0.6 }, m)).toBe('agree')
    expect(decide({ kind: 'topk', k: 5, minOverlap: 0.8 }, m)).toBe('disagree')
  })

  it('js reads the worst row, not the mean', () => {
    expect(decide({ kind: 'js', max: 0.015 }, m)).toBe('disagree')
    expect(decide({ kind: 'js', max: 0.02 }, m)).toBe('agree')
  })

  it('maxAbs compares max |Δp| (inclusive)', () => {
    expect(decide({ kind: 'maxAbs', max: 0.1 }, m)).toBe('agree')
    expect(decide({ kind: 'maxAbs', max: 0.05 }, m)).toBe('disagree')
  })

  it('regression: maxAbs reads absolute error, other rules relative error <= 1e-3', () => {
    const r = { rows: 1, maxAbsError: 0.5, maxRelError: 1e-3, meanAbsError: 0.1 }
    expect(decideRegression({ kind: 'top1' }, r)).toBe('agree')
    expect(decideRegression({ kind: 'js', max: 0 }, { ...r, maxRelError: 1.1e-3 })).toBe('disagree')
    expect(decideRegression({ kind: 'maxAbs', max: 0.5 }, r)).toBe('agree')
    expect(decideRegression({ kind: 'maxAbs', max: 0.4 }, r)).toBe('disagree')
  })
})

describe('compare', () => {
  const ok = (rows: number[][]) => ({ ok: true as const, rows })
  const err = (error: string) => ({ ok: false as const, error })

  it('primary failure wins over shadow failure', () => {
    expect(compare({ primary: err('upstream v1 timed out'), shadow: err('x') }, { kind: 'top1' }))
      .toEqual({ outcome: 'primary_error', error: 'upstream v1 timed out' })
  })

  it('reports a shadow failure', () => {
    expect(compare({ primary: ok([[1, 0]]), shadow: err('connection refused') }))
      .toEqual({ outcome: 'shadow_error', error: 'connection refused' })
  })

  it('reports a different row count or width as a shadow error', () => {
    expect(compare({ primary: ok([[0.5, 0.5], [1, 0]]), shadow: ok([[0.5, 0.5]]) }))
      .toEqual({ outcome: 'shadow_error', error: 'shape mismatch: primary is [2, 2], shadow is [1, 2]' })
    expect(compare({ primary: ok([[0.5, 0.5]]), shadow: ok([[0.2, 0.3, 0.5]]) }))
      .toEqual({ outcome: 'shadow_error', error: 'shape mismatch: primary is [1, 2], shadow is [1, 3]' })
  })

  it('blames the side that is ragged or not finite', () => {
    expect(compare({ primary: ok([[0.5, 0.5], [1]]), shadow: ok([[0.5, 0.5], [1, 0]]) }))
      .toEqual({ outcome: 'primary_error', error: 'primary rows[1] has 1 values, rows[0] has 2' })
    expect(compare({ primary: ok([[0.5, 0.5]]), shadow: ok([[0.5, NaN]]) }))
      .toEqual({ outcome: 'shadow_error', error: 'shadow rows[0][1] is NaN, not a finite number' })
  })

  it('agrees and disagrees on probabilities with the default top-1 rule', () => {
    const agree = compare({ primary: ok([[0.9, 0.1]]), shadow: ok([[0.8, 0.2]]) })
    expect(agree.outcome).toBe('agree')
    expect(agree.measures?.maxAbsDelta).toBeCloseTo(0.1, 12)
    expect(agree.regression).toBeUndefined()
    expect(compare({ primary: ok([[0.9, 0.1]]), shadow: ok([[0.4, 0.6]]) }).outcome).toBe('disagree')
  })

  it('measures top-k with the rule\'s k, not the default k', () => {
    const input = { primary: ok([[0.5, 0.3, 0.2]]), shadow: ok([[0.5, 0.2, 0.3]]) }
    const c2 = compare(input, { kind: 'topk', k: 2, minOverlap: 1 }, 5)
    expect(c2.measures?.k).toBe(2)
    expect(c2.measures?.topkOverlap).toBe(0.5)
    expect(c2.outcome).toBe('disagree')
    expect(compare(input, { kind: 'topk', k: 3, minOverlap: 1 }, 5).outcome).toBe('agree')
  })

  it('uses regression measures when the outputs are not probabilities', () => {
    const close = compare({ primary: ok([[2, -1]]), shadow: ok([[2.0005, -1]]) })
    expect(close.outcome).toBe('agree') // relative error 0.0005 / 2 = 2.5e-4
    expect(close.measures).toBeUndefined()
    expect(close.regression?.maxRelError).toBeCloseTo(2.5e-4, 12)
    expect(compare({ primary: ok([[2, -1]]), shadow: ok([[2.1, -1]]) }).outcome).toBe('disagree')
    expect(compare({ primary: ok([[2, -1]]), shadow: ok([[2.1, -1]]) }, { kind: 'maxAbs', max: 0.2 }).outcome).toBe('agree')
  })

  it('uses regression measures when only one side looks like probabilities', () => {
    const c = compare({ primary: ok([[0.5, 0.5]]), shadow: ok([[0.5, 0.7]]) })
    expect(c.regression?.maxAbsError).toBeCloseTo(0.2, 12)
    expect(c.outcome).toBe('disagree')
  })

  it('agrees on two empty batches', () => {
    expect(compare({ primary: ok([]), shadow: ok([]) }).outcome).toBe('agree')
  })
})

describe('shadow.agreement {kind: js} reads the Jensen-Shannon distance, as drift does', () => {
  // For a divergence of 0.05 (distance ≈ 0.224), q is found by bisection on the second class.
  const p = [0.5, 0.5]
  const q = [0, 0]
  let lo = 0.5; let hi = 1
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2
    if (jsDivergence(p, [mid, 1 - mid]) < 0.05) lo = mid
    else hi = mid
  }
  q[0] = lo; q[1] = 1 - lo

  it('a pair whose divergence is 0.05 (distance ~0.224) disagrees with max 0.1', () => {
    expect(jsDivergence(p, q)).toBeCloseTo(0.05, 9)
    const c = compare({ primary: { ok: true, rows: [p] }, shadow: { ok: true, rows: [q] } }, { kind: 'js', max: 0.1 })
    expect(c.measures!.jsMax).toBeCloseTo(Math.sqrt(0.05), 9)
    expect(c.outcome).toBe('disagree')
  })

  it('and agrees with max 0.25, above its distance', () => {
    const c = compare({ primary: { ok: true, rows: [p] }, shadow: { ok: true, rows: [q] } }, { kind: 'js', max: 0.25 })
    expect(c.outcome).toBe('agree')
  })
})
