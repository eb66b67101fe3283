import { describe, expect, it } from 'vitest'
import { countGate, driftGate, predictionsGate, srmGate, type GateContext } from '../../src/rollout/analysis.js'
import { PRIOR_EVENTS } from '../../src/rollout/count-test.js'
import { DEFAULT_GATES } from '../../src/rollout/spec.js'
import type { GateSettings, Observations } from '../../src/rollout/types.js'
import { lnIntegral, lnKernel } from './helpers/integrate.js'

const ctx = (weights = { v1: 90, v2: 10 }, settings: GateSettings = DEFAULT_GATES): GateContext => ({ settings, candidate: 'v2', baseline: 'v1', weights })
const obs = (c: [number, number], b: [number, number]): Observations => ({
  versions: { v2: { requests: c[0], errors: c[1], slow: 0 }, v1: { requests: b[0], errors: b[1], slow: 0 } }
})

/**
 * The defining integral of the deterioration e-value: candidate events x, baseline y, an event is the
 * candidate's with probability theta; prior Beta(c m, c (1 - m)) restricted to (theta0, 1), m the event
 * share of a 2x regression.
 */
function expectedWorse (x: number, y: number, rho: number): number {
  const m = rho * 2 / (rho * 2 + 1 - rho)
  const a = PRIOR_EVENTS * m
  const b = PRIOR_EVENTS * (1 - m)
  const lnPosterior = lnIntegral(lnKernel(a + x, b + y), rho, 1, 200_000)
  const lnPrior = lnIntegral(lnKernel(a, b), rho, 1, 200_000)
  return Math.exp(lnPosterior - lnPrior - x * Math.log(rho) - y * Math.log1p(-rho))
}

describe('errors gate (anytime-valid count test)', () => {
  it('fails on the example of the docs, with the e-value of the defining integral', () => {
    // v2 at 10 %: 41 errors of 2,310 requests vs v1 9 of 20,790.
    const r = countGate('errors', ctx(), obs([2310, 41], [20790, 9]))
    expect(r.result).toBe('fail')
    expect(r.threshold).toBe(40) // alpha 0.05 split over the errors and latency abort tests
    expect(Math.log(r.statistic)).toBeCloseTo(Math.log(expectedWorse(41, 9, 0.1)), 4)
    expect(r.words).toContain('v2 errors 41 of 2,310 vs v1 9 of 20,790: e-value')
    expect(r.words).toContain("the candidate's error rate is higher than the baseline's")
  })

  it('computes the deterioration e-value of a borderline case by the integral', () => {
    // 12 of 60 events are the candidate's at a 10 % share: some evidence, not enough.
    const r = countGate('errors', ctx(), obs([500, 12], [4500, 48]))
    const expected = expectedWorse(12, 48, 0.1)
    expect(expected).toBeGreaterThan(1)
    expect(expected).toBeLessThan(40)
    expect(r.result).toBe('inconclusive')
    expect(r.words).toContain(`e-values ${expected.toPrecision(2)} (worse`)
  })

  it('passes a candidate equal to the baseline once the events show it is within 1.5x', () => {
    // 60 of 600 events at a 10 % share: exactly the share of equal rates (300 events are not enough yet).
    expect(countGate('errors', ctx(), obs([3000, 30], [27000, 270])).result).toBe('inconclusive')
    const r = countGate('errors', ctx(), obs([6000, 60], [54000, 540]))
    // Independent: prior Beta(c rho, c (1 - rho)) restricted to (0, theta_m), theta_m the 1.5x share.
    const thetaM = 0.15 / (0.15 + 0.9)
    const a = PRIOR_EVENTS * 0.1
    const b = PRIOR_EVENTS * 0.9
    const expected = Math.exp(lnIntegral(lnKernel(a + 60, b + 540), 0, thetaM, 200_000) - lnIntegral(lnKernel(a, b), 0, thetaM, 200_000) -
      60 * Math.log(thetaM) - 540 * Math.log1p(-thetaM))
    expect(r.result).toBe('pass')
    expect(Math.log(r.statistic)).toBeCloseTo(Math.log(expected), 4)
    expect(r.words).toContain('within 1.5x the baseline')
  })

  it('passes a clean candidate with zero errors on the absolute floor, and only then', () => {
    // No event anywhere: the relative test has nothing; the floor test is (1/f) * integral_0^f ((1-p)/(1-f))^n dp.
    const f = 0.001
    const closedForm = (nReq: number): number => (1 - (1 - f) ** (nReq + 1)) / ((nReq + 1) * f * (1 - f) ** nReq)
    // About e^(n f) / (n f) >= 40: n f ~ 5.4, so 5,000 requests are not enough and 6,000 are.
    expect(closedForm(5000)).toBeLessThan(40)
    expect(closedForm(6000)).toBeGreaterThan(40)
    const early = countGate('errors', ctx(), obs([5000, 0], [45000, 0]))
    expect(early.result).toBe('inconclusive')
    expect(early.statistic).toBeCloseTo(closedForm(5000), 6)
    const later = countGate('errors', ctx(), obs([6000, 0], [54000, 0]))
    expect(later.result).toBe('pass')
    expect(later.statistic).toBeCloseTo(closedForm(6000), 6)
    expect(later.words).toContain('below the floor 0.1 %')
  })

  it('is inconclusive, never pass, without traffic or below the minimum sample', () => {
    expect(countGate('errors', ctx(), obs([0, 0], [0, 0])).result).toBe('inconclusive')
    expect(countGate('errors', ctx(), obs([0, 0], [50000, 500])).result).toBe('inconclusive')
    // Clearly within the margin by the events, but 400 of 500 candidate requests.
    const few = countGate('errors', ctx(), obs([400, 0], [100000, 1000]))
    expect(few.result).toBe('inconclusive')
    expect(few.words).toContain('400 of 500 candidate requests needed')
  })

  it('does not abort on one error at near-zero traffic', () => {
    // 1 % weight, one candidate error, no baseline error: e = E[theta] / theta0 under the truncated prior, < 40.
    const r = countGate('errors', ctx({ v1: 99, v2: 1 }), obs([20, 1], [2000, 0]))
    expect(r.result).toBe('inconclusive')
  })

  it('does not abort when the candidate rate is below the floor, however strong the evidence', () => {
    const strict = { ...DEFAULT_GATES, errors: { ...DEFAULT_GATES.errors, floor: 0.01 } }
    // 50 vs 0 events: overwhelming, but 50 of 10,000 is 0.5 %, below the 1 % floor.
    expect(countGate('errors', ctx(undefined, strict), obs([10000, 50], [90000, 0])).result).not.toBe('fail')
  })

  it('judges the latency gate on the slow counts', () => {
    const o: Observations = { versions: { v2: { requests: 2310, errors: 0, slow: 41 }, v1: { requests: 20790, errors: 0, slow: 9 } } }
    const r = countGate('latency', ctx(), o)
    expect(r.result).toBe('fail')
    expect(r.words).toContain('slow (> 500 ms) 41 of 2,310')
  })
})

describe('predictions gate (confidence sequence for the agreement)', () => {
  const settings: GateSettings = { ...DEFAULT_GATES, predictions: { agreementFloor: 0.9, minPairs: 200 } }
  const agreement = (agree: number, total: number): Observations => ({ versions: {}, agreement: { agree, total } })
  // Independent: at each bound q, the uniform-prior mixture ratio integral_0^1 p^x (1-p)^(n-x) dp / (q^x (1-q)^(n-x)) is 1/alpha.
  const lnRatio = (x: number, total: number, q: number): number => lnIntegral(lnKernel(x + 1, total - x + 1), 0, 1, 200_000) - x * Math.log(q) - (total - x) * Math.log1p(-q)

  it('has bounds where the mixture ratio reaches 1/alpha', () => {
    const r = predictionsGate(ctx(undefined, settings), agreement(1900, 2000))
    const alpha = 0.05 / 3
    expect(lnRatio(1900, 2000, r!.counts.lower as number)).toBeCloseTo(Math.log(1 / alpha), 4)
    expect(lnRatio(1900, 2000, r!.counts.upper as number)).toBeCloseTo(Math.log(1 / alpha), 4)
    expect(r!.result).toBe('pass') // lower bound about 0.93
  })
  it('fails when the upper bound is below the floor (low agreement)', () => {
    const r = predictionsGate(ctx(undefined, settings), agreement(300, 500))
    expect(r!.result).toBe('fail')
    expect(r!.words).toContain('v2 agrees with v1 on 300 of 500 shadowed requests')
  })
  it('is inconclusive while the sequence contains the floor, and without pairs', () => {
    expect(predictionsGate(ctx(undefined, settings), agreement(182, 200))!.result).toBe('inconclusive')
    expect(predictionsGate(ctx(undefined, settings), { versions: {} })!.result).toBe('inconclusive')
    // All agree but only 100 pairs: below minPairs, not a pass.
    expect(predictionsGate(ctx(undefined, settings), agreement(100, 100))!.result).toBe('inconclusive')
  })
  it('is skipped when not configured', () => {
    expect(predictionsGate(ctx(), agreement(10, 10))).toBeUndefined()
  })
})

describe('drift gate', () => {
  const settings: GateSettings = { ...DEFAULT_GATES, drift: { jsMax: 0.1, minSamples: 200 } }
  const classes = (c: number[], b: number[]): Observations => ({
    versions: { v2: { requests: 0, errors: 0, slow: 0, classes: c }, v1: { requests: 0, errors: 0, slow: 0, classes: b } }
  })
  it('passes identical mixes and fails disjoint ones once the samples suffice', () => {
    // 3 classes: needed = max(200, ceil(2 / (8 ln2 0.05^2))) = 145 -> 200 effective samples.
    expect(driftGate(ctx(undefined, settings), classes([300, 300, 400], [3000, 3000, 4000]))!.result).toBe('pass')
    const r = driftGate(ctx(undefined, settings), classes([1000, 0, 0], [0, 5000, 5000]))!
    expect(r.result).toBe('fail')
    expect(r.statistic).toBeCloseTo(1, 12) // disjoint: JS distance 1
  })
  it('is inconclusive below the noise floor', () => {
    // 72 classes need (71) / (8 ln2 0.05^2) = 5,122 effective samples.
    const few = driftGate(ctx(undefined, settings), classes(new Array(72).fill(10), new Array(72).fill(100)))!
    expect(few.result).toBe('inconclusive')
    expect(few.counts.needed).toBe(5122)
  })
})

describe('sample-ratio mismatch gate', () => {
  const split = (c: number, b: number): Observations => ({ versions: { v2: { requests: c, errors: 0, slow: 0 }, v1: { requests: b, errors: 0, slow: 0 } } })
  /**
   * Independent Bayes factor for two versions: the Dirichlet(c w) prior is a Beta(c w_c, c w_b) on the
   * candidate's share s; BF = integral s^k (1-s)^(n-k) Beta(s) ds / (w_c^k w_b^(n-k)).
   */
  const lnBf = (k: number, total: number, wc: number): number =>
    lnIntegral(lnKernel(1_000 * wc + k, 1_000 * (1 - wc) + total - k), 0, 1, 200_000) -
    lnIntegral(lnKernel(1_000 * wc, 1_000 * (1 - wc)), 0, 1, 200_000) - k * Math.log(wc) - (total - k) * Math.log1p(-wc)

  it('flags 49/51 at 50/50 over 100,000 (chi-square 40) and not 49.5/50.5 (chi-square 10)', () => {
    const skewed = srmGate(ctx({ v1: 50, v2: 50 }), split(49000, 51000))
    expect(skewed.counts.chi2).toBeCloseTo(40, 9)
    expect(skewed.counts.chi2P! / 2.54e-10).toBeCloseTo(1, 2)
    expect(skewed.result).toBe('fail')
    expect(Math.log(skewed.statistic)).toBeCloseTo(-lnBf(49000, 100000, 0.5), 4)
    const mild = srmGate(ctx({ v1: 50, v2: 50 }), split(49500, 50500))
    expect(mild.counts.chi2).toBeCloseTo(10, 9)
    // p = 2 (1 - Phi(sqrt 10)) = 0.001565
    expect(mild.counts.chi2P).toBeCloseTo(0.001565, 5)
    expect(mild.result).toBe('pass')
    expect(Math.log(mild.statistic)).toBeCloseTo(-lnBf(49500, 100000, 0.5), 4)
  })
  it('does not pause on a split a fixed-sample chi-square flags only through repeated looks', () => {
    // Seen in the simulation of a healthy rollout (10/90, checked every second): after 5,550 requests
    // v2 had 633. Chi-square 12.2, p = 0.00048 < 0.001 would pause it; the anytime-valid p does not.
    const r = srmGate(ctx(), split(633, 4917))
    expect(r.counts.chi2P).toBeLessThan(0.001)
    expect(r.result).toBe('pass')
    expect(Math.log(r.statistic)).toBeCloseTo(-lnBf(633, 5550, 0.1), 4)
  })
  it('flags a candidate that gets no traffic at 10 %', () => {
    const r = srmGate(ctx(), split(0, 1000))
    expect(r.result).toBe('fail')
    expect(r.words).toContain('does not match the weights')
  })
  it('is inconclusive with no requests and passes an exact split', () => {
    expect(srmGate(ctx(), split(0, 0)).result).toBe('inconclusive')
    expect(srmGate(ctx({ v1: 50, v2: 50 }), split(5000, 5000)).result).toBe('pass')
  })
})
