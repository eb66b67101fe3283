/**
 * Drift measures between a reference distribution and an observed one, over the same bins.
 *
 * Both functions accept proportions or raw counts: each side is divided by its own total first,
 * so `psi([20, 30, 50], [2, 3, 5])` equals `psi([0.2, 0.3, 0.5], [0.2, 0.3, 0.5])`. That lets the
 * hot path hand over its window counts without allocating a normalised copy.
 *
 * They are pure, allocation-free loops: PSI plus JS for 12 features x 10 bins take about 5 us, so the
 * per-process gauges can be computed at scrape time rather than per request. Jensen-Shannon lives
 * in src/vector.ts (shared with shadow comparison) and is re-exported here.
 */
import { mass, sameLength } from '../vector.js'

/**
 * Floor for an empty bin's proportion in PSI. PSI has a `ln(o / r)` term that is infinite when
 * either side of a bin is empty, so each proportion is clamped to at least this value (the common
 * practice; proportions are not renormalised after clamping, so the recording rules in k8s/prometheus/headliner-drift.rules.yaml can
 * repeat the exact same arithmetic with `clamp_min`).
 *
 * Why 1e-4: it is below the share of a single sample in any window or profile we use (1/5000 for a
 * 5000-row profile, 1/10000 for a large count window), so it only touches bins that are truly empty.
 * It bounds one empty bin's contribution to `(p - 1e-4) * ln(p / 1e-4)`: 0.69 for p = 0.1 (already an
 * alert, yet finite) and at most 2 * ln(1e4) ~ 18.4 for a fully disjoint pair, so gauges never see Infinity.
 */
export const PSI_EPSILON = 1e-4


/**
 * Population Stability Index: `sum_i (o_i - r_i) * ln(o_i / r_i)` over proportions, natural log,
 * with each proportion clamped to at least `epsilon` (see {@link PSI_EPSILON}).
 *
 * Identical distributions give 0; the value grows without a fixed maximum, but the clamp bounds it by
 * `2 * (1 - epsilon) * ln(1 / epsilon)` (18.42 at the default). Rules of thumb: < 0.1 stable,
 * 0.1-0.25 moderate shift, > 0.25 major shift.
 *
 * @param reference expected proportions or counts per bin
 * @param observed observed proportions or counts per bin, same length
 * @param epsilon floor for an empty bin's proportion, > 0
 * @throws RangeError when lengths differ, an entry is negative or not finite, or a side sums to 0
 * @example psi([0.5, 0.5], [0.8, 0.2]) // 0.3 * ln 4 = 0.4159
 */
export function psi (reference: ArrayLike<number>, observed: ArrayLike<number>, epsilon = PSI_EPSILON): number {
  sameLength(reference, observed, ['reference', 'observed'])
  if (!(epsilon > 0 && epsilon < 1)) throw new RangeError(`epsilon must be in (0, 1) (got ${epsilon})`)
  const rTotal = mass(reference, 'reference')
  const oTotal = mass(observed, 'observed')
  let sum = 0
  for (let i = 0; i < reference.length; i++) {
    const r = Math.max((reference[i] as number) / rTotal, epsilon)
    const o = Math.max((observed[i] as number) / oTotal, epsilon)
    sum += (o - r) * Math.log(o / r)
  }
  // Every term is >= 0 mathematically; rounding can leave -1e-17 on identical inputs.
  return sum > 0 ? sum : 0
}

export { jsDivergence, jsDistance } from '../vector.js'
