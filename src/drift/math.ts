/**
 * Drift measures between a reference distribution and an observed one, over the same bins.
 *
 * Both functions accept proportions or raw counts: each side is divided by its own total first,
 * so `psi([20, 30, 50], [2, 3, 5])` equals `psi([0.2, 0.3, 0.5], [0.2, 0.3, 0.5])`. That lets the
 * hot path hand over its window counts without allocating a normalised copy.
 *
 * They are pure, allocation-free loops: PSI plus JS for 12 features x 10 bins take about 5 us, so the
 * per-process gauges can be computed at scrape time rather than per request.
 */

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

/** Sum of the entries; throws on a negative or non-finite entry (a count can be neither). */
function total (values: ArrayLike<number>, name: string): number {
  let sum = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number
    if (!(v >= 0 && v < Infinity)) throw new RangeError(`${name}[${i}]: must be a finite number >= 0 (got ${v})`)
    sum += v
  }
  if (sum <= 0) throw new RangeError(`${name}: has no mass (all bins are 0); the caller must check the sample count first`)
  return sum
}

function sameLength (a: ArrayLike<number>, b: ArrayLike<number>, names: [string, string]): void {
  if (a.length !== b.length) throw new RangeError(`${names[0]} has ${a.length} bins but ${names[1]} has ${b.length}`)
}

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
  const rTotal = total(reference, 'reference')
  const oTotal = total(observed, 'observed')
  let sum = 0
  for (let i = 0; i < reference.length; i++) {
    const r = Math.max((reference[i] as number) / rTotal, epsilon)
    const o = Math.max((observed[i] as number) / oTotal, epsilon)
    sum += (o - r) * Math.log(o / r)
  }
  // Every term is >= 0 mathematically; rounding can leave -1e-17 on identical inputs.
  return sum > 0 ? sum : 0
}

/**
 * Jensen-Shannon divergence in bits (log base 2), so it lies in [0, 1]: 0 for identical
 * distributions, 1 for disjoint ones. `JS(p, q) = (KL(p || m) + KL(q || m)) / 2` with `m = (p + q) / 2`.
 *
 * No epsilon is needed: wherever `p_i > 0`, `m_i >= p_i / 2 > 0`, and a term with `p_i = 0` is 0
 * (the limit of `x log x`), so empty bins on either side are exact.
 *
 * @param p proportions or counts per bin
 * @param q proportions or counts per bin, same length
 * @throws RangeError when lengths differ, an entry is negative or not finite, or a side sums to 0
 * @example jsDivergence([1, 0], [0, 1]) // 1
 */
export function jsDivergence (p: ArrayLike<number>, q: ArrayLike<number>): number {
  sameLength(p, q, ['p', 'q'])
  const pTotal = total(p, 'p')
  const qTotal = total(q, 'q')
  let sum = 0
  for (let i = 0; i < p.length; i++) {
    const a = (p[i] as number) / pTotal
    const b = (q[i] as number) / qTotal
    const m = (a + b) / 2
    if (a > 0) sum += a * Math.log2(a / m)
    if (b > 0) sum += b * Math.log2(b / m)
  }
  const d = sum / 2
  // Clamp rounding noise so callers can rely on [0, 1] (and take a square root safely).
  return d < 0 ? 0 : d > 1 ? 1 : d
}

/**
 * Jensen-Shannon distance: the square root of {@link jsDivergence} (base 2), a true metric in [0, 1].
 * This is the value the drift gauges and the JS threshold use (the same convention as SciPy's
 * `jensenshannon(p, q, base=2)`).
 *
 * @example jsDistance([0.5, 0.5, 0], [0, 0.5, 0.5]) // sqrt(0.5) = 0.7071
 */
export function jsDistance (p: ArrayLike<number>, q: ArrayLike<number>): number {
  return Math.sqrt(jsDivergence(p, q))
}
