/**
 * Sliding windows of per-bin counts, one set per feature (or one "feature" of classes for predictions),
 * from which a process computes its own PSI and JS. Two kinds:
 *
 * - `count`: the last `size` observations of each feature. A ring of bin indices per feature remembers
 *   which bin to decrement when an observation falls out. Memory: `size * 2` bytes per feature.
 * - `time`: the last `seconds`, split into `buckets` sub-windows of `seconds / buckets` each. Counts go
 *   into the current bucket; when the clock enters a new bucket, the oldest one is subtracted and cleared.
 *   The window therefore covers the current (partial) bucket and the `buckets - 1` before it: between
 *   `seconds - seconds / buckets` and `seconds` of history. Memory: `buckets * bins * 8` bytes per feature.
 *
 * Both keep running per-bin sums, so `counts()` is a lookup, not a sum over the window, and both use
 * memory fixed at construction, whatever the traffic. Counts are whole numbers in Float64Arrays:
 * exact up to 2^53, so add/subtract never drifts.
 */

/** Which observations a window holds. */
export type WindowSpec =
  | { kind: 'count', size: number }
  | { kind: 'time', seconds: number, buckets: number }

/** Largest bin count per feature: bin indices are stored as Uint16 in count windows. */
export const MAX_BINS = 65_535

function check (ok: boolean, message: string): void {
  if (!ok) throw new RangeError(message)
}

/**
 * Per-feature sliding-window bin counts.
 *
 * @example
 * const window = new DriftWindow([10, 10], { kind: 'time', seconds: 300, buckets: 10 }, Date.now)
 * window.observe(0, binIndex(tempo.edges, 121))
 * if (window.samples(0) >= 200) psi(tempo.reference, window.counts(0))
 */
export class DriftWindow {
  readonly #bins: readonly number[]
  /** Running count per bin of each feature over the whole window. */
  readonly #sums: Float64Array[]
  /** Observations of each feature in the window. */
  readonly #totals: Float64Array
  readonly #spec: WindowSpec
  readonly #now: () => number
  // count kind
  readonly #rings: Uint16Array[] = []
  readonly #pos: Int32Array
  // time kind: bucket slot s of feature f holds its counts at [s * bins, (s + 1) * bins)
  readonly #buckets: Float64Array[] = []
  readonly #bucketTotals: Float64Array[] = []
  readonly #widthMs: number = 0
  #head = 0

  /**
   * @param featureBinCounts bins of each feature, in feature order (`CompiledProfile.featureBinCounts`)
   * @param spec window kind and size
   * @param now clock in milliseconds (`Date.now`, or a fake in tests); only time windows read it.
   *   A clock that steps backwards is treated as standing still until it passes the last bucket seen.
   * @throws RangeError on an invalid spec or bin count
   */
  constructor (featureBinCounts: readonly number[], spec: WindowSpec, now: () => number) {
    featureBinCounts.forEach((n, f) => check(Number.isInteger(n) && n >= 1 && n <= MAX_BINS, `featureBinCounts[${f}]: must be an integer in 1..${MAX_BINS} (got ${n})`))
    this.#bins = Object.freeze([...featureBinCounts])
    this.#spec = Object.freeze({ ...spec }) // a later change to the caller's object must not reshape the window
    this.#now = now
    const features = featureBinCounts.length
    this.#sums = featureBinCounts.map((n) => new Float64Array(n))
    this.#totals = new Float64Array(features)
    this.#pos = new Int32Array(spec.kind === 'count' ? features : 0)
    if (spec.kind === 'count') {
      check(Number.isInteger(spec.size) && spec.size >= 1, `window.size: must be an integer >= 1 (got ${spec.size})`)
      this.#rings = featureBinCounts.map(() => new Uint16Array(spec.size))
    } else {
      check(spec.seconds > 0 && Number.isFinite(spec.seconds), `window.seconds: must be a number > 0 (got ${spec.seconds})`)
      check(Number.isInteger(spec.buckets) && spec.buckets >= 1, `window.buckets: must be an integer >= 1 (got ${spec.buckets})`)
      this.#widthMs = (spec.seconds * 1000) / spec.buckets
      this.#buckets = featureBinCounts.map((n) => new Float64Array(n * spec.buckets))
      this.#bucketTotals = featureBinCounts.map(() => new Float64Array(spec.buckets))
      this.#head = Math.floor(now() / this.#widthMs)
    }
  }

  /** Number of features this window tracks. */
  get features (): number {
    return this.#bins.length
  }

  /**
   * Counts one observation of feature `featureIdx` in bin `bin`. O(1), no allocation.
   * Callers skip values that belong to no bin (`binIndex` returned -1 for NaN).
   *
   * @throws RangeError when the feature or bin does not exist
   */
  observe (featureIdx: number, bin: number): void {
    this.#check(featureIdx, bin)
    if (this.#spec.kind === 'time') this.#advance()
    this.#add(featureIdx, bin)
  }

  /**
   * Counts one request's worth of observations: `bins[f]` for every feature `f`, skipping -1 (a NaN
   * value, see `binIndex`). Same effect as `observe` per feature, but a time window reads the clock once,
   * and nothing is counted unless every entry is valid.
   *
   * @throws RangeError when `bins` does not have one entry per feature, or an entry is not a bin
   */
  observeAll (bins: ArrayLike<number>): void {
    if (bins.length !== this.#bins.length) throw new RangeError(`expected ${this.#bins.length} bins (one per feature), got ${bins.length}`)
    for (let f = 0; f < bins.length; f++) if (bins[f] !== -1) this.#check(f, bins[f] as number)
    if (this.#spec.kind === 'time') this.#advance()
    for (let f = 0; f < bins.length; f++) {
      const bin = bins[f] as number
      if (bin !== -1) this.#add(f, bin)
    }
  }

  /**
   * Per-bin counts of one feature over the window. This is the live internal array (no copy, so a
   * scrape allocates nothing): read it, hand it to `psi`/`jsDistance`, but do not modify or keep it.
   *
   * @throws RangeError when the feature does not exist
   */
  counts (featureIdx: number): Float64Array {
    const sums = this.#sums[featureIdx]
    if (sums === undefined) throw new RangeError(`no feature ${featureIdx} (${this.#bins.length} features)`)
    if (this.#spec.kind === 'time') this.#advance()
    return sums
  }

  /**
   * Observations in the window: of one feature, or without an argument the smallest count over all
   * features (the conservative figure for an `insufficient_data` decision on the whole model).
   */
  samples (featureIdx?: number): number {
    if (this.#spec.kind === 'time') this.#advance()
    if (featureIdx !== undefined) {
      const n = this.#totals[featureIdx]
      if (n === undefined) throw new RangeError(`no feature ${featureIdx} (${this.#bins.length} features)`)
      return n
    }
    let min = this.#totals.length === 0 ? 0 : Infinity
    for (const n of this.#totals) if (n < min) min = n
    return min
  }

  #check (featureIdx: number, bin: number): void {
    const bins = this.#bins[featureIdx]
    if (bins === undefined || !(bin >= 0 && bin < bins && (bin | 0) === bin)) {
      throw new RangeError(`no bin ${bin} of feature ${featureIdx} (${this.#bins.length} features)`)
    }
  }

  /** Adds a checked observation to the running sums and to the ring (count) or the current bucket (time). */
  #add (featureIdx: number, bin: number): void {
    const bins = this.#bins[featureIdx] as number
    const sums = this.#sums[featureIdx] as Float64Array
    if (this.#spec.kind === 'count') {
      const ring = this.#rings[featureIdx] as Uint16Array
      const pos = this.#pos[featureIdx] as number
      if (this.#totals[featureIdx] === ring.length) {
        const old = ring[pos] as number
        sums[old] = (sums[old] as number) - 1 // the oldest observation leaves the window
      } else {
        this.#totals[featureIdx] = (this.#totals[featureIdx] as number) + 1
      }
      ring[pos] = bin
      this.#pos[featureIdx] = pos + 1 === ring.length ? 0 : pos + 1
    } else {
      const slot = this.#slot(this.#head)
      const bucket = this.#buckets[featureIdx] as Float64Array
      const at = slot * bins + bin
      bucket[at] = (bucket[at] as number) + 1
      const bt = this.#bucketTotals[featureIdx] as Float64Array
      bt[slot] = (bt[slot] as number) + 1
      this.#totals[featureIdx] = (this.#totals[featureIdx] as number) + 1
    }
    sums[bin] = (sums[bin] as number) + 1
  }

  /** Moves the time window to the clock: every bucket the clock has left behind is subtracted and cleared. */
  #advance (): void {
    const id = Math.floor(this.#now() / this.#widthMs)
    if (!(id > this.#head)) return // same bucket, or the clock stepped back (or NaN): stand still
    const buckets = (this.#spec as { buckets: number }).buckets
    const steps = Math.min(id - this.#head, buckets) // after a long pause, each slot is cleared once
    for (let s = 1; s <= steps; s++) {
      const slot = this.#slot(this.#head + s)
      for (let f = 0; f < this.#bins.length; f++) this.#clear(f, slot)
    }
    this.#head = id
  }

  /** Slot of a bucket id; ids are negative for clocks before the epoch (fake clocks in tests). */
  #slot (id: number): number {
    const buckets = (this.#spec as { buckets: number }).buckets
    return ((id % buckets) + buckets) % buckets
  }

  #clear (f: number, slot: number): void {
    const bt = this.#bucketTotals[f] as Float64Array
    if (bt[slot] === 0) return
    const bins = this.#bins[f] as number
    const bucket = this.#buckets[f] as Float64Array
    const sums = this.#sums[f] as Float64Array
    for (let b = 0, at = slot * bins; b < bins; b++, at++) {
      sums[b] = (sums[b] as number) - (bucket[at] as number)
      bucket[at] = 0
    }
    this.#totals[f] = (this.#totals[f] as number) - (bt[slot] as number)
    bt[slot] = 0
  }
}
