/**
 * A latency histogram with 1 us buckets up to 200 ms (exact values above, kept in a list).
 * autocannon's own histogram records whole milliseconds, too coarse for a sub-millisecond
 * upstream, so the load generator records every 2xx latency here as well.
 */
const LIMIT_US = 200_000

export class LatencyHistogram {
  constructor () {
    this.counts = new Uint32Array(LIMIT_US)
    this.over = []
    this.count = 0
    this.sumUs = 0
    this.maxUs = 0
  }

  /** Record one latency given in milliseconds (fractional). */
  record (ms) {
    const us = Math.max(0, Math.round(ms * 1000))
    if (us < LIMIT_US) this.counts[us]++
    else this.over.push(us)
    this.count++
    this.sumUs += us
    if (us > this.maxUs) this.maxUs = us
  }

  /** The smallest value v (in ms) such that at least q (0..1) of the recordings are <= v. */
  quantile (q) {
    if (this.count === 0) return null
    const rank = Math.max(1, Math.ceil(q * this.count))
    let seen = 0
    for (let us = 0; us < LIMIT_US; us++) {
      seen += this.counts[us]
      if (seen >= rank) return us / 1000
    }
    const sorted = [...this.over].sort((a, b) => a - b)
    return sorted[rank - seen - 1] / 1000
  }

  /** Summary in ms, rounded to microseconds. */
  summary () {
    return {
      count: this.count,
      mean: this.count === 0 ? null : Math.round(this.sumUs / this.count) / 1000,
      p50: this.quantile(0.5),
      p90: this.quantile(0.9),
      p99: this.quantile(0.99),
      p999: this.quantile(0.999),
      max: this.maxUs / 1000
    }
  }
}
