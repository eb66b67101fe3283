/**
 * A bounded ring of recent entries (the shadow disagreements shown by the admin API), bounded by
 * both a count and an approximate byte size so that a burst of large answers cannot grow memory.
 * Pushing evicts the oldest entries until the new one fits; each entry is evicted at most once, so
 * push is O(1) amortised. Single-threaded, no timers.
 */

export interface DiffBufferOptions<T> {
  /** Most entries kept. 0 keeps none (every push is refused). */
  maxEntries: number
  /** Most bytes kept, as measured by `sizeOf`. */
  maxBytes: number
  /**
   * Approximate size of an entry in bytes. Default: the length of its JSON, which counts UTF-16
   * code units (bytes for ASCII) and is what the admin API will send anyway. Measured once, on push.
   */
  sizeOf?: (entry: T) => number
}

export interface DiffBufferStats {
  entries: number
  bytes: number
  /** Entries pushed out by newer ones since creation. */
  evicted: number
  /** Entries refused since creation: alone larger than maxBytes (or of no valid size), or maxEntries is 0. */
  refused: number
}

const jsonLength = (entry: unknown): number => JSON.stringify(entry)?.length ?? 0

/**
 * Ring buffer of the newest entries under a count and a byte bound.
 *
 * An entry that alone exceeds `maxBytes` is refused (push returns false, `refused` counts it) rather
 * than truncated: the buffer cannot cut a generic entry meaningfully, and evicting everything to
 * keep one oversized entry would defeat the byte bound. Callers that want oversized diffs kept should
 * shrink them before pushing (for example drop the inputs and keep the two answers).
 * @example
 * const diffs = new DiffBuffer<{ id: string }>({ maxEntries: 100, maxBytes: 1 << 20 })
 * diffs.push({ id: 'req-1' })
 * diffs.list(10) // [{ id: 'req-1' }]
 */
export class DiffBuffer<T> {
  readonly maxEntries: number
  readonly maxBytes: number
  private readonly sizeOf: (entry: T) => number
  private readonly entries: (T | undefined)[]
  private readonly sizes: Float64Array
  /** Slot of the oldest entry. */
  private head = 0
  private count = 0
  private bytes = 0
  private evicted = 0
  private refused = 0

  constructor (options: DiffBufferOptions<T>) {
    const { maxEntries, maxBytes } = options
    if (!Number.isInteger(maxEntries) || maxEntries < 0) throw new RangeError(`DiffBuffer: maxEntries must be a non-negative integer, got ${maxEntries}`)
    if (!(maxBytes > 0) || !Number.isFinite(maxBytes)) throw new RangeError(`DiffBuffer: maxBytes must be a positive number, got ${maxBytes}`)
    this.maxEntries = maxEntries
    this.maxBytes = maxBytes
    this.sizeOf = options.sizeOf ?? jsonLength
    this.entries = new Array<T | undefined>(maxEntries).fill(undefined)
    this.sizes = new Float64Array(maxEntries)
  }

  /** Adds an entry as the newest, evicting the oldest as needed. Returns false if refused. */
  push (entry: T): boolean {
    const size = this.sizeOf(entry)
    if (this.maxEntries === 0 || !(size >= 0 && size <= this.maxBytes)) {
      this.refused++
      return false
    }
    while (this.count === this.maxEntries || this.bytes + size > this.maxBytes) this.evictOldest()
    const slot = (this.head + this.count) % this.maxEntries
    this.entries[slot] = entry
    this.sizes[slot] = size
    this.count++
    this.bytes += size
    return true
  }

  /** Up to `limit` entries (default all), newest first. A new array; the entries are not copied. */
  list (limit: number = this.count): T[] {
    const n = Math.max(0, Math.min(Math.floor(limit), this.count))
    const out: T[] = []
    for (let i = 0; i < n; i++) {
      out.push(this.entries[(this.head + this.count - 1 - i) % this.maxEntries] as T)
    }
    return out
  }

  stats (): DiffBufferStats {
    return { entries: this.count, bytes: this.bytes, evicted: this.evicted, refused: this.refused }
  }

  /** Drops every entry (counted as neither evicted nor refused). */
  clear (): void {
    this.entries.fill(undefined)
    this.head = 0
    this.count = 0
    this.bytes = 0
  }

  private evictOldest (): void {
    this.bytes -= this.sizes[this.head]!
    // Release the reference so an evicted answer can be collected.
    this.entries[this.head] = undefined
    this.head = (this.head + 1) % this.maxEntries
    this.count--
    this.evicted++
    // Keep float drift from sizes that are not integers from accumulating.
    if (this.count === 0) this.bytes = 0
  }
}
