/**
 * Running summary of one (primary, shadow) version pair, for the admin API: how often the shadow
 * agreed, how far its probabilities were, and how fast both answered.
 *
 * Memory is bounded by a sliding window: counts are totals since creation, while quantiles are exact
 * (nearest rank) over the last `window` samples of each series, kept in a fixed Float64Array ring.
 * We chose a window over a fixed-bucket histogram because Prometheus already has the bucketed,
 * all-time view (`headliner_shadow_divergence`, `headliner_request_duration_seconds`), and a
 * release manager reading the admin API wants exact recent numbers; over a random reservoir because
 * it needs no random source and answers "how is the shadow doing now", not "since the start".
 * Recording is O(1) and allocates nothing; a snapshot sorts copies of the windows (O(w log w)).
 */
import type { Comparison, Outcome } from './compare.js'

/** Quantiles of the samples in a window; `samples` is how many there were (at most the window). */
export interface Quantiles {
  samples: number
  p50: number
  p90: number
  p99: number
  max: number
}

export interface ShadowStatsOptions {
  model: string
  primary: string
  shadow: string
  /** Samples kept per series for the quantiles. Default 1024. */
  window?: number
}

export interface ShadowStatsSnapshot {
  model: string
  primary: string
  shadow: string
  window: number
  /** Comparisons recorded since creation. */
  total: number
  counts: Record<Outcome, number>
  /** Why the last `incomparable` comparison could not be compared; null when none was. */
  incomparableReason: string | null
  /** agree / (agree + disagree) since creation; null before any comparison got that far. */
  agreementRate: number | null
  /** Fraction of compared probability rows whose argmax matched, since creation; null if none. */
  top1Agreement: number | null
  /** Mean Jensen-Shannon distance (base 2, 0-1) per comparison, over the window (the field keeps its first name). */
  divergence: Quantiles | null
  /** Max relative error per regression comparison, over the window. */
  relError: Quantiles | null
  latencyMs: { primary: Quantiles | null; shadow: Quantiles | null }
}

export const DEFAULT_WINDOW = 1024

/** The last `capacity` samples of one series. */
class SampleWindow {
  private readonly values: Float64Array
  private next = 0
  private size = 0

  constructor (capacity: number) {
    this.values = new Float64Array(capacity)
  }

  push (value: number): void {
    this.values[this.next] = value
    this.next = (this.next + 1) % this.values.length
    if (this.size < this.values.length) this.size++
  }

  quantiles (): Quantiles | null {
    if (this.size === 0) return null
    // Typed-array sort is numeric; the copy keeps the ring intact.
    const sorted = this.values.slice(0, this.size).sort()
    return {
      samples: this.size,
      p50: nearestRank(sorted, 0.5),
      p90: nearestRank(sorted, 0.9),
      p99: nearestRank(sorted, 0.99),
      max: sorted[this.size - 1]!
    }
  }
}

/**
 * Nearest-rank quantile of sorted values: the ceil(q·n)-th smallest, always an observed value.
 * The epsilon keeps products like 0.07·100 = 7.000000000000001 from rounding up a rank.
 */
export function nearestRank (sorted: ArrayLike<number>, q: number): number {
  const rank = Math.ceil(q * sorted.length - 1e-9)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!
}

/**
 * Summary of one (primary, shadow) pair. The caller keeps one per pair, e.g. in a Map keyed by
 * `${model}/${primary}/${shadow}`; a weighted model has one pair per serving version and shadow.
 * @example
 * const stats = new ShadowStats({ model: 'hit-predictor', primary: 'v1', shadow: 'v3' })
 * stats.record(compare(input, rule), 12.5, 14.1)
 * stats.snapshot().agreementRate
 */
export class ShadowStats {
  private readonly labels: { model: string; primary: string; shadow: string }
  private readonly window: number
  private readonly counts: Record<Outcome, number> = { agree: 0, disagree: 0, shadow_error: 0, primary_error: 0, incomparable: 0 }
  private incomparableReason: string | null = null
  private total = 0
  private rows = 0
  private top1Rows = 0
  private readonly divergence: SampleWindow
  private readonly relError: SampleWindow
  private readonly primaryMs: SampleWindow
  private readonly shadowMs: SampleWindow

  constructor (options: ShadowStatsOptions) {
    const window = options.window ?? DEFAULT_WINDOW
    if (!Number.isInteger(window) || window < 1) throw new RangeError(`ShadowStats: window must be an integer >= 1, got ${window}`)
    this.labels = { model: options.model, primary: options.primary, shadow: options.shadow }
    this.window = window
    this.divergence = new SampleWindow(window)
    this.relError = new SampleWindow(window)
    this.primaryMs = new SampleWindow(window)
    this.shadowMs = new SampleWindow(window)
  }

  /**
   * Records one comparison and the two latencies in milliseconds. Pass `shadowMs` undefined when
   * the shadow never answered (timeout, connection refused) so a timeout does not pose as a latency.
   * Latencies that are not finite and non-negative are skipped: recording must never throw on the
   * shadow path.
   */
  record (c: Comparison, primaryMs: number, shadowMs: number | undefined): void {
    this.total++
    this.counts[c.outcome]++
    if (c.outcome === 'incomparable') this.incomparableReason = c.error ?? null
    if (c.measures !== undefined) {
      this.divergence.push(c.measures.js)
      this.rows += c.measures.rows
      this.top1Rows += c.measures.top1Agreement * c.measures.rows
    }
    if (c.regression !== undefined) this.relError.push(c.regression.maxRelError)
    if (Number.isFinite(primaryMs) && primaryMs >= 0) this.primaryMs.push(primaryMs)
    if (shadowMs !== undefined && Number.isFinite(shadowMs) && shadowMs >= 0) this.shadowMs.push(shadowMs)
  }

  /** A plain JSON-safe object (no NaN, no class instances). */
  snapshot (): ShadowStatsSnapshot {
    const decided = this.counts.agree + this.counts.disagree
    return {
      ...this.labels,
      window: this.window,
      total: this.total,
      counts: { ...this.counts },
      incomparableReason: this.incomparableReason,
      agreementRate: decided === 0 ? null : this.counts.agree / decided,
      top1Agreement: this.rows === 0 ? null : this.top1Rows / this.rows,
      divergence: this.divergence.quantiles(),
      relError: this.relError.quantiles(),
      latencyMs: { primary: this.primaryMs.quantiles(), shadow: this.shadowMs.quantiles() }
    }
  }
}
