import { describe, it, expect } from 'vitest'
import { binIndex, binLabels, binRange, quantileEdges } from '../../src/drift/bins.js'

/** Deterministic pseudo-random values in [0, 1) (LCG), so property checks are reproducible. */
function lcg (seed: number): () => number {
  let s = seed >>> 0
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 }
}

function binCounts (values: number[], edges: number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0)
  for (const v of values) counts[binIndex(edges, v)]!++
  return counts
}

describe('quantileEdges', () => {
  it('splits distinct values into equal-mass bins (type 1 quantiles are data values)', () => {
    // n = 10, bins = 5: ranks ceil(10k/5) = 2, 4, 6, 8 -> values 2, 4, 6, 8
    const values = [7, 3, 10, 1, 5, 9, 2, 8, 4, 6]
    expect(quantileEdges(values, 5)).toEqual([2, 4, 6, 8])
    expect(binCounts(values, [2, 4, 6, 8])).toEqual([2, 2, 2, 2, 2])
    expect(values).toEqual([7, 3, 10, 1, 5, 9, 2, 8, 4, 6]) // input not sorted in place
  })

  it('rounds ranks up when n is not a multiple of bins', () => {
    // n = 7, bins = 3: ranks ceil(7/3) = 3 and ceil(14/3) = 5 -> values 3 and 5; bins {1,2,3} {4,5} {6,7}
    expect(quantileEdges([1, 2, 3, 4, 5, 6, 7], 3)).toEqual([3, 5])
  })

  it('gives a binary feature one edge (two bins), whatever bins asks for', () => {
    // 30 zeros, 70 ones, bins 10: quantiles k = 1..3 are 0, k = 4..9 are 1 = the maximum (dropped)
    const mode = [...new Array<number>(30).fill(0), ...new Array<number>(70).fill(1)]
    expect(quantileEdges(mode, 10)).toEqual([0])
    expect(binCounts(mode, [0])).toEqual([30, 70])
  })

  it('gives a 12-valued feature at most one bin per value', () => {
    // key 0..11, ten of each (n = 120). bins 20: ranks 6k -> 0, 1, 1, 2, 2, ... 10, 11(max, dropped)
    const key = Array.from({ length: 120 }, (_, i) => i % 12)
    expect(quantileEdges(key, 20)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    // bins 10: ranks 12k -> sorted[12k - 1] = floor((12k - 1) / 10) = 1, 2, 3, 4, 5, 7, 8, 9, 10
    expect(quantileEdges(key, 10)).toEqual([1, 2, 3, 4, 5, 7, 8, 9, 10])
  })

  it('gives a constant feature, or bins = 1, no edges (one bin)', () => {
    expect(quantileEdges([5, 5, 5], 10)).toEqual([])
    expect(quantileEdges([1, 2, 3], 1)).toEqual([])
  })

  it('leaves every bin with at least one training value (random and tied data)', () => {
    const rand = lcg(42)
    for (let trial = 0; trial < 50; trial++) {
      const n = 1 + Math.floor(rand() * 300)
      const levels = 1 + Math.floor(rand() * 20) // few levels -> many ties
      const values = Array.from({ length: n }, () => (trial % 2 === 0 ? rand() * 100 : Math.floor(rand() * levels)))
      const edges = quantileEdges(values, 10)
      expect(edges.length).toBeLessThanOrEqual(9)
      for (let i = 1; i < edges.length; i++) expect(edges[i]!).toBeGreaterThan(edges[i - 1]!)
      expect(Math.min(...binCounts(values, edges))).toBeGreaterThanOrEqual(1)
    }
  })

  it('rejects bad input', () => {
    expect(() => quantileEdges([], 10)).toThrow('cannot compute bin edges from no values')
    expect(() => quantileEdges([1, NaN], 10)).toThrow('values[1]: must be a finite number (got NaN)')
    expect(() => quantileEdges([1, Infinity], 10)).toThrow('values[1]')
    expect(() => quantileEdges([1, 2], 0)).toThrow('bins must be an integer >= 1 (got 0)')
    expect(() => quantileEdges([1, 2], 2.5)).toThrow('bins must be an integer >= 1 (got 2.5)')
  })
})

describe('binIndex', () => {
  const edges = [0.5, 0.9]

  it('puts a value equal to an edge in the left bin', () => {
    expect(binIndex(edges, 0.5)).toBe(0)
    expect(binIndex(edges, 0.9)).toBe(1)
  })

  it('uses open-ended outer bins', () => {
    expect(binIndex(edges, -1e9)).toBe(0)
    expect(binIndex(edges, -Infinity)).toBe(0)
    expect(binIndex(edges, 0.7)).toBe(1)
    expect(binIndex(edges, 0.9000001)).toBe(2)
    expect(binIndex(edges, Infinity)).toBe(2)
  })

  it('returns -1 for NaN (no bin)', () => {
    expect(binIndex(edges, NaN)).toBe(-1)
  })

  it('has one bin when there are no edges', () => {
    expect(binIndex([], 3)).toBe(0)
    expect(binIndex([], NaN)).toBe(-1)
  })

  it('agrees with a linear scan for Float64Array edges of every size', () => {
    const rand = lcg(7)
    for (let k = 0; k <= 12; k++) {
      const e = Float64Array.from(Array.from({ length: k }, (_, i) => i * 10))
      for (let t = 0; t < 200; t++) {
        const x = t % 10 === 0 ? Math.floor(rand() * k) * 10 : rand() * 140 - 10 // hit edges exactly too
        let expected = 0
        while (expected < k && x > e[expected]!) expected++
        expect(binIndex(e, x)).toBe(expected)
      }
    }
  })
})

describe('binLabels and binRange', () => {
  it('labels bins by zero-padded index', () => {
    expect(binLabels([])).toEqual(['00'])
    expect(binLabels([0.5, 0.9])).toEqual(['00', '01', '02'])
    const many = binLabels(Array.from({ length: 100 }, (_, i) => i)) // 101 bins: 000..100
    expect(many[0]).toBe('000')
    expect(many[100]).toBe('100')
    expect([...many].sort()).toEqual(many) // lexical order is bin order
  })

  it('renders intervals', () => {
    expect(binRange([0.5, 0.9], 0)).toBe('(-inf, 0.5]')
    expect(binRange([0.5, 0.9], 1)).toBe('(0.5, 0.9]')
    expect(binRange([0.5, 0.9], 2)).toBe('(0.9, +inf)')
    expect(binRange([], 0)).toBe('(-inf, +inf)')
    expect(() => binRange([0.5], 2)).toThrow('bin 2 does not exist (2 bins)')
  })
})
