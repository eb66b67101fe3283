/**
 * Stall detection for the readiness probes. When the process does not run for a while (SIGSTOP and
 * SIGCONT, a long GC pause, a CPU-starved container), every timer that should have fired meanwhile
 * fires at once on resume: a probe's deadline expires although the upstream's answer may be waiting
 * in the socket, and the backlog of requests that arrived meanwhile can keep the loop busy past the
 * next probe's deadline too. Such a failure says nothing about the upstream.
 *
 * A ticker notes the monotonic time every `tickMs`; a gap between ticks longer than `tickMs + stallMs`
 * is a stall. `stalledSince(t)` also counts the gap still open (the ticker has not run yet since the
 * resume: a probe's deadline timer can fire before it in the same turn of the loop).
 */
import { performance } from 'node:perf_hooks'

export interface StallOptions {
  /** How often the ticker runs. Default 50 ms. */
  tickMs?: number
  /** A gap this much longer than a tick is a stall. */
  stallMs: number
  /** Monotonic clock in ms. Default performance.now. */
  now?: () => number
}

/** Stalls older than this are forgotten (a probe is bounded far below it). */
const KEEP_MS = 5 * 60_000

export class StallWatch {
  readonly #tickMs: number
  readonly #stallMs: number
  readonly #now: () => number
  #last: number
  /** End times of the stalls seen, oldest first. */
  #ends: number[] = []
  #timer: NodeJS.Timeout | undefined

  constructor (opts: StallOptions) {
    this.#tickMs = opts.tickMs ?? 50
    this.#stallMs = opts.stallMs
    this.#now = opts.now ?? (() => performance.now())
    this.#last = this.#now()
  }

  /** The monotonic clock this watch compares with (what `stalledSince` takes). */
  now (): number { return this.#now() }

  start (): void {
    if (this.#timer !== undefined) return
    this.#last = this.#now()
    this.#timer = setInterval(() => { this.tick() }, this.#tickMs)
    this.#timer.unref()
  }

  stop (): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  /** One tick (the ticker's; tests call it with their own clock). */
  tick (): void {
    const t = this.#now()
    if (t - this.#last > this.#tickMs + this.#stallMs) this.#ends.push(t)
    while (this.#ends.length > 0 && this.#ends[0]! < t - KEEP_MS) this.#ends.shift()
    this.#last = t
  }

  /** Whether the process stalled at any time after `since` (a time of `now()`), the gap still open included. */
  stalledSince (since: number): boolean {
    if (this.#timer !== undefined && this.#now() - this.#last > this.#tickMs + this.#stallMs) return true
    return this.#ends.some((end) => end > since)
  }
}
