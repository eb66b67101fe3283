/**
 * Confidence sequence for a Bernoulli rate (Robbins' Beta-binomial mixture; Howard et al. 2021, "Time-
 * uniform, nonparametric, nonasymptotic confidence sequences", section 3.3). For every candidate rate
 * q, the mixture likelihood ratio
 *
 *   e_q = B(a + x, b + n - x) / B(a, b) / (q^x (1 - q)^(n - x))
 *
 * is a martingale under q, so with probability >= 1 - alpha the true rate stays, at every n at once,
 * in { q : e_q < 1/alpha }. ln e_q is convex in q with its minimum at x / n, so each bound is found by
 * bisection on one side of it.
 */
import { lnBeta } from './stats.js'

const BISECTIONS = 60

/** ln e_q, the mixture likelihood ratio at rate q. */
export function lnMixtureRatio (x: number, total: number, q: number, a = 1, b = 1): number {
  const tail = x === 0 ? 0 : x * Math.log(q)
  const rest = total - x === 0 ? 0 : (total - x) * Math.log1p(-q)
  return lnBeta(a + x, b + total - x) - lnBeta(a, b) - tail - rest
}

/**
 * [lower, upper] of the 1 - alpha confidence sequence after x successes in `total` trials, with a
 * Beta(a, b) mixing prior (uniform by default). No data gives [0, 1].
 */
export function betaMixtureBounds (x: number, total: number, alpha: number, a = 1, b = 1): [number, number] {
  if (!(x >= 0 && total >= x)) throw new RangeError(`betaMixtureBounds: need 0 <= x <= total (got ${x}, ${total})`)
  const limit = Math.log(1 / alpha)
  const outside = (q: number): boolean => lnMixtureRatio(x, total, q, a, b) >= limit
  const centre = total > 0 ? x / total : 0.5
  let lower = 0
  if (x > 0 && outside(Number.MIN_VALUE)) {
    let lo = 0
    let hi = centre
    for (let i = 0; i < BISECTIONS; i++) {
      const mid = (lo + hi) / 2
      if (outside(mid)) lo = mid; else hi = mid
    }
    lower = hi
  }
  let upper = 1
  if (x < total && outside(1 - Number.EPSILON)) {
    let lo = centre
    let hi = 1
    for (let i = 0; i < BISECTIONS; i++) {
      const mid = (lo + hi) / 2
      if (outside(mid)) hi = mid; else lo = mid
    }
    upper = lo
  }
  return [lower, upper]
}
