/**
 * The measures on vectors of numbers that shadow comparison, drift and post-processing share:
 * Jensen-Shannon divergence and distance, top-k indices and argmax. One implementation each, so
 * "js" means one thing everywhere. Pure, allocation-free loops.
 */

/** Float noise allowed below 0 for a value to count as a proportion (float32 softmax + JSON rounding). */
const NEGATIVE_TOLERANCE = 1e-6

/**
 * Sum of the entries; throws on a negative (beyond float noise) or non-finite entry, or no mass.
 * Shared by every measure here, so a bad value is described one way.
 */
export function mass (values: ArrayLike<number>, name: string): number {
  let sum = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (!(v >= -NEGATIVE_TOLERANCE && v < Infinity)) throw new RangeError(`${name}[${i}]: must be a finite number >= 0 (got ${v})`)
    if (v > 0) sum += v
  }
  if (!(sum > 0)) throw new RangeError(`${name}: has no mass (empty or all 0)`)
  return sum
}

export function sameLength (a: ArrayLike<number>, b: ArrayLike<number>, names: [string, string]): void {
  if (a.length !== b.length) throw new RangeError(`${names[0]} has ${a.length} entries but ${names[1]} has ${b.length}`)
}

/**
 * Jensen-Shannon divergence in bits (log base 2), so it lies in [0, 1]: 0 for identical
 * distributions, 1 for disjoint ones. `JS(p, q) = (KL(p || m) + KL(q || m)) / 2` with `m = (p + q) / 2`.
 * Each side is divided by its own sum first, so counts and proportions both work, and the sum drift
 * of rounded softmax rows cannot push the result outside [0, 1]. Terms with probability 0 are 0
 * (the limit of `x log x`); values down to -1e-6 count as 0.
 *
 * @throws RangeError when lengths differ, an entry is negative or not finite, or a side sums to 0
 * @example jsDivergence([1, 0], [0, 1]) // 1
 */
export function jsDivergence (p: ArrayLike<number>, q: ArrayLike<number>): number {
  sameLength(p, q, ['p', 'q'])
  const sp = mass(p, 'p')
  const sq = mass(q, 'q')
  let bits = 0
  for (let i = 0; i < p.length; i++) {
    const a = Math.max(p[i]!, 0) / sp
    const b = Math.max(q[i]!, 0) / sq
    const m = (a + b) / 2
    if (a > 0) bits += a * Math.log2(a / m)
    if (b > 0) bits += b * Math.log2(b / m)
  }
  const d = bits / 2
  // Clamp rounding noise so callers can rely on [0, 1] (and take a square root safely).
  return d < 0 ? 0 : d > 1 ? 1 : d
}

/**
 * Jensen-Shannon distance: the square root of {@link jsDivergence} (base 2), a true metric in [0, 1],
 * the same convention as SciPy's `jensenshannon(p, q, base=2)`. This is what `js` means in the
 * config (drift thresholds, `shadow.agreement: {kind: js}`), the metrics and the docs.
 *
 * @example jsDistance([0.5, 0.5, 0], [0, 0.5, 0.5]) // sqrt(0.5) = 0.7071
 */
export function jsDistance (p: ArrayLike<number>, q: ArrayLike<number>): number {
  return Math.sqrt(jsDivergence(p, q))
}

/**
 * Indices of the `k` largest values of `data[offset .. offset + n)`, largest first; equal values keep
 * index order. Insertion into a k-long list: O(n·k), which beats sorting for 72 classes and small k.
 * `out` is reused when given, so a batch allocates one array, not one per row.
 *
 * @example topIndices([0.1, 0.3, 0.3, 0.2], 0, 4, 2) // [1, 2]
 */
export function topIndices (data: ArrayLike<number>, offset: number, n: number, k: number, out: number[] = []): number[] {
  out.length = 0
  const kk = Math.min(k, n)
  if (kk <= 0) return out
  for (let j = 0; j < n; j++) {
    const v = data[offset + j]!
    const last = out.length
    // Strictly greater: an equal later value never overtakes an earlier index.
    if (last === kk && !(v > data[offset + out[last - 1]!]!)) continue
    let pos = last === kk ? kk - 1 : last
    while (pos > 0 && v > data[offset + out[pos - 1]!]!) {
      out[pos] = out[pos - 1]!
      pos--
    }
    out[pos] = j
  }
  return out
}

/**
 * Indices of the k largest values, largest first; a k above the length returns every index.
 * @example topK([0.1, 0.5, 0.5, 0.2], 2) // [1, 2]
 */
export function topK (p: ArrayLike<number>, k: number): number[] {
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`topK: k must be a non-negative integer, got ${k}`)
  return topIndices(p, 0, p.length, k)
}

/** Index of the largest entry (first one on ties): the top-1 class. */
export function argmax (values: ArrayLike<number>): number {
  let best = 0
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i
  return best
}
