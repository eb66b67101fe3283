import { describe, it, expect } from 'vitest'
import { argmax, jsDistance, jsDivergence, topIndices, topK } from '../src/vector.js'

const LOG2_3 = Math.log2(3)

describe('jsDivergence (bits)', () => {
  it('is 0 for identical distributions', () => {
    expect(jsDivergence([0.2, 0.3, 0.5], [0.2, 0.3, 0.5])).toBe(0)
  })

  it('is 1 (bit) for disjoint one-hot vectors and disjoint supports', () => {
    expect(jsDivergence([1, 0], [0, 1])).toBe(1)
    expect(jsDivergence([0.5, 0.5, 0, 0], [0, 0, 0.5, 0.5])).toBe(1)
  })

  it('matches a hand-computed 2-class case with a zero', () => {
    // p = [1, 0], q = [0.5, 0.5], m = (p + q) / 2 = [0.75, 0.25]
    // KL(p||m) = 1·log2(1/0.75) + 0 (0·log 0 = 0)     = 2 - log2 3
    // KL(q||m) = 0.5·log2(0.5/0.75) + 0.5·log2(0.5/0.25) = 0.5(1 - log2 3) + 0.5 = 1 - 0.5·log2 3
    // JS = (KL(p||m) + KL(q||m)) / 2 = 1.5 - 0.75·log2 3 ≈ 0.3112781
    const expected = 1.5 - 0.75 * LOG2_3
    expect(expected).toBeCloseTo(0.3112781, 7)
    expect(jsDivergence([1, 0], [0.5, 0.5])).toBeCloseTo(expected, 12)
    expect(jsDivergence([0.5, 0.5], [1, 0])).toBeCloseTo(expected, 12)
  })

  it('matches a hand-computed 2-class case without zeros', () => {
    // p = [0.25, 0.75], q = [0.75, 0.25], m = [0.5, 0.5]
    // KL(p||m) = 0.25·log2(0.5) + 0.75·log2(1.5) = -0.25 + 0.75(log2 3 - 1) = -1 + 0.75·log2 3 = KL(q||m)
    // JS = -1 + 0.75·log2 3 ≈ 0.1887219
    expect(jsDivergence([0.25, 0.75], [0.75, 0.25])).toBeCloseTo(-1 + 0.75 * LOG2_3, 12)
  })

  it('renormalises inputs by their sums', () => {
    expect(jsDivergence([2, 0], [1, 1])).toBeCloseTo(1.5 - 0.75 * LOG2_3, 12)
    expect(jsDivergence([0.3, 0.3], [0.5, 0.5])).toBe(0)
  })

  it('counts tiny negative float noise as zero', () => {
    expect(jsDivergence([1, -1e-7], [0, 1])).toBe(1)
  })

  it('throws on length mismatch, negative, non-finite and all-zero inputs', () => {
    expect(() => jsDivergence([1, 0], [1])).toThrow(/p has 2 entries but q has 1/)
    expect(() => jsDivergence([1.1, -0.1], [0.5, 0.5])).toThrow(/p\[1\]: must be a finite number >= 0 \(got -0.1\)/)
    expect(() => jsDivergence([0.5, 0.5], [NaN, 1])).toThrow(/q\[0\]: must be a finite number >= 0 \(got NaN\)/)
    expect(() => jsDivergence([0, 0], [0.5, 0.5])).toThrow(/p: has no mass \(empty or all 0\)/)
    expect(() => jsDivergence([], [])).toThrow(/empty/)
  })
})

describe('topK', () => {
  it('returns indices largest first', () => {
    expect(topK([0.1, 0.4, 0.3, 0.2], 4)).toEqual([1, 2, 3, 0])
    expect(topK([0.3, 0.1, 0.2, 0.9], 2)).toEqual([3, 0])
  })

  it('breaks ties by the lower index', () => {
    expect(topK([0.1, 0.5, 0.5, 0.2], 2)).toEqual([1, 2])
    expect(topK([0.25, 0.25, 0.25, 0.25], 3)).toEqual([0, 1, 2])
    expect(topK([0.2, 0.4, 0.2, 0.2], 3)).toEqual([1, 0, 2])
  })

  it('caps k at the length and allows k = 0', () => {
    expect(topK([0.2, 0.8], 5)).toEqual([1, 0])
    expect(topK([0.2, 0.8], 0)).toEqual([])
  })

  it('rejects a negative or fractional k', () => {
    expect(() => topK([1], -1)).toThrow(RangeError)
    expect(() => topK([1], 1.5)).toThrow(/non-negative integer, got 1.5/)
  })
})

describe('jsDistance', () => {
  it('is the square root of the divergence, 0 to 1', () => {
    expect(jsDistance([0.25, 0.75], [0.75, 0.25])).toBeCloseTo(Math.sqrt(-1 + 0.75 * LOG2_3), 12)
    expect(jsDistance([1, 0], [0, 1])).toBe(1)
    expect(jsDistance([0.3, 0.7], [0.3, 0.7])).toBe(0)
  })
})

describe('topIndices and argmax', () => {
  it('reads a window of a flat array and reuses the out array', () => {
    const out: number[] = [9, 9, 9]
    expect(topIndices([5, 0.1, 0.3, 0.3, 0.2, 7], 1, 4, 2, out)).toBe(out)
    expect(out).toEqual([1, 2])
  })

  it('argmax is the first of equal largest values', () => {
    expect(argmax([0.2, 0.5, 0.5, 0.1])).toBe(1)
    expect(argmax([3])).toBe(0)
  })
})
