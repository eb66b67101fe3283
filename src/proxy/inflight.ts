/**
 * The per-version bound on primary calls in flight (`maxInflight`): a call takes a slot before it is
 * dispatched, on a connection or waiting in the pool's queue, and gives it back when its answer is
 * done. Past the bound the request is refused at once (503): a queue longer than the upstream can
 * work off within the deadline only turns every request into a late one.
 */
export class InflightLimits {
  readonly #counts = new Map<string, number>()

  /** A slot for `key` (release it exactly once; later calls are no-ops), or undefined at `max`. */
  tryAcquire (key: string, max: number): (() => void) | undefined {
    const n = this.#counts.get(key) ?? 0
    if (n >= max) return undefined
    this.#counts.set(key, n + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      const left = (this.#counts.get(key) ?? 1) - 1
      if (left === 0) this.#counts.delete(key)
      else this.#counts.set(key, left)
    }
  }

  /** Calls in flight to `key` now. */
  count (key: string): number {
    return this.#counts.get(key) ?? 0
  }
}
