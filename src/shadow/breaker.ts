/**
 * The per-shadow breaker: after `failures` consecutive failed copies, copies to that shadow are
 * dropped (and counted by the caller) for `cooldownMs`, then one trial copy goes through; a failure
 * re-opens it. A dead shadow then costs a counter increment, not a refused connection per request.
 */
import type { ModelRuntime } from '../runtime/snapshot.js'

export type BreakerSettings = ModelRuntime['config']['shadow']['breaker']

export class Breakers {
  /** Per shadow (model, version): consecutive failures and until when copies are skipped. */
  readonly #state = new Map<string, { failures: number; openUntil: number }>()
  readonly #now: () => number

  constructor (now: () => number) {
    this.#now = now
  }

  /** Whether copies to the shadow are skipped now; past the cool-down it lets one trial copy through. */
  open (model: string, shadow: string, settings: BreakerSettings): boolean {
    const b = this.#state.get(`${model}\u0000${shadow}`)
    if (b === undefined || b.failures < settings.failures) return false
    const now = this.#now()
    if (now < b.openUntil) return true
    b.openUntil = now + settings.cooldownMs
    return false
  }

  /** One copy's result: a success closes the breaker, the n-th consecutive failure opens it. */
  record (model: string, shadow: string, failed: boolean, settings: BreakerSettings): void {
    const key = `${model}\u0000${shadow}`
    let b = this.#state.get(key)
    if (b === undefined) {
      if (!failed) return
      b = { failures: 0, openUntil: 0 }
      this.#state.set(key, b)
    }
    if (!failed) {
      b.failures = 0
      return
    }
    b.failures++
    if (b.failures === settings.failures) b.openUntil = this.#now() + settings.cooldownMs
  }
}
