import { describe, it, expect } from 'vitest'
import { PSI_EPSILON, jsDistance, jsDivergence, psi } from '../../src/drift/math.js'

// Expected values are worked out by hand below; toBeCloseTo(x, 12) allows |error| < 5e-13.

describe('psi', () => {
  it('is 0 for identical distributions', () => {
    expect(psi([0.2, 0.3, 0.5], [0.2, 0.3, 0.5])).toBe(0)
  })

  it('2 bins: r = [.5, .5], o = [.8, .2]', () => {
    // (0.8 - 0.5) ln(0.8/0.5) + (0.2 - 0.5) ln(0.2/0.5) = 0.3 (ln 1.6 - ln 0.4) = 0.3 ln 4 = 0.41588830833596717
    expect(psi([0.5, 0.5], [0.8, 0.2])).toBeCloseTo(0.3 * Math.log(4), 12)
    expect(psi([0.5, 0.5], [0.8, 0.2])).toBeCloseTo(0.4158883083359672, 12)
  })

  it('3 bins: r = [.2, .3, .5], o = [.3, .3, .4]', () => {
    // 0.1 ln(0.3/0.2) + 0 + (-0.1) ln(0.4/0.5) = 0.1 (ln 1.5 - ln 0.8) = 0.1 ln 1.875 = 0.06286086594223741
    expect(psi([0.2, 0.3, 0.5], [0.3, 0.3, 0.4])).toBeCloseTo(0.06286086594223741, 12)
  })

  it('is symmetric when no bin is empty (both terms change sign together)', () => {
    expect(psi([0.3, 0.3, 0.4], [0.2, 0.3, 0.5])).toBeCloseTo(psi([0.2, 0.3, 0.5], [0.3, 0.3, 0.4]), 15)
  })

  it('a bin of zero reference mass is clamped to epsilon, not infinite', () => {
    // r = [.5, .5, 0] -> [.5, .5, 1e-4]; o = [.4, .4, .2]
    // 2 * (0.4 - 0.5) ln(0.4/0.5) = 0.2 ln 1.25            = 0.04462871026284196
    // (0.2 - 1e-4) ln(0.2 / 1e-4) = 0.1999 ln 2000          = 1.5194204016624622
    // total                                                  = 1.5640491119253042
    expect(psi([0.5, 0.5, 0], [0.4, 0.4, 0.2])).toBeCloseTo(1.5640491119253042, 12)
  })

  it('an empty observed bin is clamped too, and epsilon is a parameter', () => {
    // r = [.5, .5], o = [1, 0] -> [1, 1e-4]
    // 0.5 ln 2 + (1e-4 - 0.5) ln(1e-4 / 0.5) = 0.5 ln 2 + 0.4999 ln 5000 = 4.60431846666895
    expect(psi([0.5, 0.5], [1, 0])).toBeCloseTo(4.60431846666895, 12)
    // with epsilon 1e-3: 0.5 ln 2 + 0.499 ln 500 = 3.447663031392646
    expect(psi([0.5, 0.5], [1, 0], 1e-3)).toBeCloseTo(3.447663031392646, 12)
  })

  it('disjoint distributions give the large finite maximum 2 (1 - eps) ln(1 / eps)', () => {
    // r = [1, 1e-4], o = [1e-4, 1]: (1e-4 - 1) ln(1e-4) + (1 - 1e-4) ln(1e4) = 2 * 0.9999 * 9.210340371976184
    expect(PSI_EPSILON).toBe(1e-4)
    expect(psi([1, 0], [0, 1])).toBeCloseTo(18.41883867587797, 10)
    expect(Number.isFinite(psi([5, 5, 0, 0], [0, 0, 3, 7]))).toBe(true)
  })

  it('counts and proportions give the same answer', () => {
    expect(psi([20, 30, 50], [30, 30, 40])).toBeCloseTo(0.06286086594223741, 12)
    expect(psi([2, 3, 5], [3000, 3000, 4000])).toBeCloseTo(psi([0.2, 0.3, 0.5], [0.3, 0.3, 0.4]), 15)
  })

  it('rejects mismatched lengths, negative or NaN entries, empty sides and a bad epsilon', () => {
    expect(() => psi([0.5, 0.5], [1])).toThrow('reference has 2 entries but observed has 1')
    expect(() => psi([0.5, 0.5], [-1, 2])).toThrow('observed[0]: must be a finite number >= 0 (got -1)')
    expect(() => psi([NaN, 1], [1, 1])).toThrow('reference[0]')
    expect(() => psi([1, 1], [0, 0])).toThrow('observed: has no mass')
    expect(() => psi([1, 1], [1, 1], 0)).toThrow('epsilon must be in (0, 1)')
  })
})

describe('jsDivergence and jsDistance (base 2)', () => {
  it('are 0 for identical distributions', () => {
    expect(jsDivergence([0.2, 0.3, 0.5], [0.2, 0.3, 0.5])).toBe(0)
    expect(jsDistance([1, 2, 3], [2, 4, 6])).toBe(0)
  })

  it('are 1 for disjoint distributions (the maximum)', () => {
    // m = [.5, .5]; KL(p||m) = 1 * log2(1 / .5) = 1, KL(q||m) = 1, JS = (1 + 1) / 2 = 1
    expect(jsDivergence([1, 0], [0, 1])).toBe(1)
    expect(jsDistance([1, 0], [0, 1])).toBe(1)
    expect(jsDivergence([5, 5, 0, 0], [0, 0, 3, 7])).toBeCloseTo(1, 15)
  })

  it('2 bins: p = [.5, .5], q = [1, 0]', () => {
    // m = [.75, .25]
    // KL(p||m) = .5 log2(.5/.75) + .5 log2(.5/.25) = .5 (1 - log2 3) + .5 = 1 - .5 log2 3
    // KL(q||m) = 1 log2(1/.75) = 2 - log2 3
    // JS = (3 - 1.5 log2 3) / 2 = 1.5 - .75 log2 3 = 0.31127812445913294
    expect(jsDivergence([0.5, 0.5], [1, 0])).toBeCloseTo(0.31127812445913294, 12)
    expect(jsDistance([0.5, 0.5], [1, 0])).toBeCloseTo(Math.sqrt(0.31127812445913294), 12)
  })

  it('3 bins: p = [.5, .5, 0], q = [0, .5, .5]', () => {
    // m = [.25, .5, .25]; KL(p||m) = .5 log2 2 + .5 log2 1 = .5; KL(q||m) = .5; JS = .5; distance sqrt(.5)
    expect(jsDivergence([0.5, 0.5, 0], [0, 0.5, 0.5])).toBeCloseTo(0.5, 15)
    expect(jsDistance([0.5, 0.5, 0], [0, 0.5, 0.5])).toBeCloseTo(0.7071067811865476, 15)
  })

  it('a bin of zero reference mass needs no epsilon', () => {
    // p = [.5, .5, 0], q = [.4, .4, .2], m = [.45, .45, .1]
    // KL(p||m) = log2(.5/.45) = log2(10/9)                  = 0.15200309344505006
    // KL(q||m) = .8 log2(.4/.45) + .2 log2(.2/.1) = .8 log2(8/9) + .2 = 0.06405999884615005
    // JS = 0.10803154614560005
    expect(jsDivergence([0.5, 0.5, 0], [0.4, 0.4, 0.2])).toBeCloseTo(0.10803154614560005, 12)
  })

  it('is symmetric, and counts equal proportions', () => {
    expect(jsDivergence([0.4, 0.4, 0.2], [0.5, 0.5, 0])).toBeCloseTo(0.10803154614560005, 12)
    expect(jsDivergence([40, 40, 20], [1, 1, 0])).toBeCloseTo(0.10803154614560005, 12)
  })

  it('rejects mismatched lengths and empty sides', () => {
    expect(() => jsDivergence([1, 0], [1])).toThrow('p has 2 entries but q has 1')
    expect(() => jsDistance([0, 0], [1, 0])).toThrow('p: has no mass')
  })
})
