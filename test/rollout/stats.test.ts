import { describe, expect, it } from 'vitest'
import { gammaQ, lnBeta, lnGamma, lnRegIncBeta } from '../../src/rollout/stats.js'
import { lnIntegral, lnKernel } from './helpers/integrate.js'

describe('lnGamma', () => {
  it('matches ln((n-1)!) and Gamma(1/2) = sqrt(pi)', () => {
    let lnFactorial = 0
    for (let k = 1; k <= 170; k++) {
      expect(lnGamma(k)).toBeCloseTo(lnFactorial, 9)
      lnFactorial += Math.log(k)
    }
    expect(lnGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12)
  })
  it('rejects x <= 0', () => {
    expect(() => lnGamma(0)).toThrow(RangeError)
  })
})

describe('lnRegIncBeta', () => {
  // [x, a, b]: small and large parameters, both sides of the swap point, tiny tails.
  const cases: [number, number, number][] = [
    [0.3, 2, 5], [0.9, 2, 5], [0.1, 10, 90], [0.143, 10, 90], [0.143, 60, 400], [0.5, 300, 300], [0.001, 1, 5000], [0.02, 3, 2000]
  ]
  it.each(cases)('at x=%s, a=%s, b=%s equals the integral of the Beta kernel, both tails', (x, a, b) => {
    const lnB = lnBeta(a, b)
    expect(lnB).toBeCloseTo(lnIntegral(lnKernel(a, b), 0, 1, 200_000), 6)
    const lower = lnIntegral(lnKernel(a, b), 0, x, 200_000) - lnB
    const upper = lnIntegral(lnKernel(a, b), x, 1, 200_000) - lnB
    expect(lnRegIncBeta(x, a, b)).toBeCloseTo(lower, 5)
    expect(lnRegIncBeta(x, a, b, true)).toBeCloseTo(upper, 5)
  })
  it('is exact at the ends', () => {
    expect(lnRegIncBeta(0, 2, 3)).toBe(-Infinity)
    expect(lnRegIncBeta(1, 2, 3)).toBe(0)
    expect(lnRegIncBeta(0, 2, 3, true)).toBe(0)
  })
})

describe('gammaQ (chi-square survival)', () => {
  it('gives the textbook chi-square tail probabilities', () => {
    expect(gammaQ(0.5, 3.841459 / 2)).toBeCloseTo(0.05, 6) // df 1, 95 % quantile
    expect(gammaQ(1, 5.991465 / 2)).toBeCloseTo(0.05, 6) // df 2: Q = exp(-x/2)
    expect(gammaQ(1, 10)).toBeCloseTo(Math.exp(-10), 12)
    // df 1 at chi-square 40: 2 * (1 - Phi(sqrt 40)) = 2.54e-10
    expect(gammaQ(0.5, 20) / 2.5396e-10).toBeCloseTo(1, 3)
  })
})
