/**
 * Binning for drift: quantile edges from training data, a binary-search lookup for the hot path,
 * and stable labels for the Prometheus `bin` label.
 *
 * Edges are interior only: `k` edges make `k + 1` bins, the outer two open-ended:
 * `(-inf, e0], (e0, e1], ..., (e[k-1], +inf)`. A value equal to an edge goes to the left bin.
 * Open outer bins mean every live value lands somewhere, however far outside the training range.
 */

/**
 * Interior bin edges at the `1/bins, 2/bins, ...` quantiles of `values`.
 *
 * The quantile is the inverse empirical CDF (Hyndman & Fan type 1: the smallest data value `x` with
 * `F(x) >= k/bins`), so every edge is a data value and with `x <= edge` going left, about `k/bins` of
 * the data falls at or below edge `k`: distinct continuous data splits into equal-mass bins.
 *
 * Discrete features (key 0..11, mode 0/1) repeat values, so several quantiles coincide: duplicates are
 * removed, as is an edge equal to the maximum (its right-hand bin would be empty). The result can
 * therefore have fewer than `bins - 1` edges (mode gives one edge, `[0]`, i.e. two bins; a constant
 * feature gives none, i.e. one bin), and every resulting bin holds at least one training value.
 *
 * @param values training values of one feature, all finite, at least one
 * @param bins how many bins to aim for, an integer >= 1
 * @returns strictly increasing interior edges, at most `bins - 1` of them
 * @throws RangeError on an empty input, a non-finite value or a bad `bins`
 * @example quantileEdges([1, 2, 3, 4], 2) // [2]: bins (-inf, 2], (2, +inf) with 2 values each
 */
export function quantileEdges (values: readonly number[], bins: number): number[] {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be an integer >= 1 (got ${bins})`)
  if (values.length === 0) throw new RangeError('cannot compute bin edges from no values')
  const sorted = Float64Array.from(values)
  for (let i = 0; i < sorted.length; i++) {
    if (!Number.isFinite(sorted[i])) throw new RangeError(`values[${i}]: must be a finite number (got ${values[i]})`)
  }
  sorted.sort() // typed-array sort is numeric
  const n = sorted.length
  const max = sorted[n - 1] as number
  const edges: number[] = []
  for (let k = 1; k < bins; k++) {
    // Type 1: 1-based rank ceil(n * k / bins). Integer arithmetic keeps 5000 * 3 / 10 exact.
    const edge = sorted[Math.ceil((n * k) / bins) - 1] as number
    if (edge < max && (edges.length === 0 || edge > (edges[edges.length - 1] as number))) edges.push(edge)
  }
  return edges
}

/**
 * The bin a value falls in: the number of edges strictly below `x`, by binary search
 * (`O(log bins)`, no allocation). `x <= edges[i]` goes to bin `i` or lower; above the last edge is bin
 * `edges.length`. Infinities land in the outer bins.
 *
 * NaN belongs to no bin: it returns -1 and the caller skips the observation (a missing value is not
 * evidence of drift in any bin; counting it in one would invent a shift).
 *
 * @param edges strictly increasing interior edges
 * @param x the live value
 * @returns a bin index in `0..edges.length`, or -1 for NaN
 * @example binIndex([0.5, 0.9], 0.5) // 0; binIndex([0.5, 0.9], 0.7) // 1; binIndex([0.5, 0.9], 2) // 2
 */
export function binIndex (edges: ArrayLike<number>, x: number): number {
  if (x !== x) return -1 // NaN
  let lo = 0
  let hi = edges.length
  // Invariant: edges[< lo] < x and x <= edges[>= hi].
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((edges[mid] as number) < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * Stable, readable `bin` label values: the bin index, zero-padded to at least two digits
 * (`"00"`, `"01"`, ... `"10"`), so labels sort in bin order and never depend on how a float edge prints.
 * The edges themselves live in the profile (and {@link binRange} renders one for humans).
 *
 * @param edges interior edges; there are `edges.length + 1` labels
 * @example binLabels([0.5, 0.9]) // ['00', '01', '02']
 */
export function binLabels (edges: ArrayLike<number>): string[] {
  const count = edges.length + 1
  const width = Math.max(2, String(count - 1).length)
  const labels: string[] = []
  for (let i = 0; i < count; i++) labels.push(String(i).padStart(width, '0'))
  return labels
}

/**
 * A human-readable interval for bin `i`, for `/status` and docs: `(-inf, 0.5]`, `(0.5, 0.9]`, `(0.9, +inf)`.
 *
 * @throws RangeError when `i` is not a bin of these edges
 */
export function binRange (edges: ArrayLike<number>, i: number): string {
  if (!Number.isInteger(i) || i < 0 || i > edges.length) throw new RangeError(`bin ${i} does not exist (${edges.length + 1} bins)`)
  const lo = i === 0 ? '(-inf' : `(${edges[i - 1]}`
  const hi = i === edges.length ? '+inf)' : `${edges[i]}]`
  return edges.length === 0 ? '(-inf, +inf)' : `${lo}, ${hi}`
}
