/**
 * Plain numerical integration for the rollout tests: the expected e-values and bounds are computed
 * here from their defining integrals, independently of src/rollout/stats.ts (no incomplete beta, no
 * Lanczos): composite Simpson on a fine grid, in log space so large counts do not underflow.
 */

/** ln of the integral of exp(lnF(t)) over [lo, hi] (Simpson, `intervals` even). */
export function lnIntegral (lnF: (t: number) => number, lo: number, hi: number, intervals = 20_000): number {
  const h = (hi - lo) / intervals
  const values: number[] = []
  let max = -Infinity
  for (let i = 0; i <= intervals; i++) {
    // Stay a hair inside the ends: the integrands may be log(0) exactly at 0 or 1.
    const t = Math.min(Math.max(lo + i * h, 1e-300), 1 - 1e-16)
    const v = lnF(t)
    values.push(v)
    if (v > max) max = v
  }
  let sum = 0
  values.forEach((v, i) => {
    const w = i === 0 || i === intervals ? 1 : i % 2 === 1 ? 4 : 2
    sum += w * Math.exp(v - max)
  })
  return max + Math.log(sum * h / 3)
}

/** ln of t^(a-1) (1-t)^(b-1): the Beta kernel. */
export const lnKernel = (a: number, b: number) => (t: number): number => (a - 1) * Math.log(t) + (b - 1) * Math.log1p(-t)
