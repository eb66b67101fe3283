/**
 * A fixed log-bucket latency histogram for the status windows: 80 buckets growing by 2^(1/4) from
 * 0.1 ms (the last one open-ended, from ~105 s), so memory is fixed whatever the traffic and merging
 * windows is adding arrays. A quantile is read as the geometric middle of its bucket, clamped to the
 * largest value seen, so it is within half a bucket (a factor 2^(1/8), about 9 %) of the exact
 * nearest-rank value; that is the tolerance the tests state.
 */

export const BUCKETS = 80
const BASE_MS = 0.1
const GROWTH = 2 ** 0.25
const LOG_GROWTH = Math.log(GROWTH)

/** Bucket of a latency: 0 holds [0, 0.1 ms], bucket i holds (0.1·g^(i-1), 0.1·g^i]. */
export function bucketOf (ms: number): number {
  if (!(ms > BASE_MS)) return 0
  const i = Math.ceil(Math.log(ms / BASE_MS) / LOG_GROWTH - 1e-9)
  return Math.min(BUCKETS - 1, i)
}

/** Upper bound of bucket i in milliseconds (the last bucket's is infinite). */
export function upperBound (i: number): number {
  return i >= BUCKETS - 1 ? Infinity : BASE_MS * GROWTH ** i
}

/**
 * Nearest-rank quantile q of the counts in `hist` (length BUCKETS), or null when empty.
 * @param maxMs the largest value seen, which bounds the estimate (and answers for the open bucket)
 */
export function quantile (hist: ArrayLike<number>, total: number, q: number, maxMs: number): number | null {
  if (total <= 0) return null
  const rank = Math.max(1, Math.ceil(q * total - 1e-9))
  let seen = 0
  for (let i = 0; i < BUCKETS; i++) {
    seen += hist[i]!
    if (seen >= rank) {
      if (i === 0) return Math.min(BASE_MS / 2, maxMs)
      if (i === BUCKETS - 1) return maxMs
      return Math.min(BASE_MS * GROWTH ** (i - 0.5), maxMs)
    }
  }
  return maxMs
}
