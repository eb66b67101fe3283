/**
 * Passive outlier ejection, Envoy's `consecutive_5xx` adapted to model serving: a version whose
 * last `failures` calls in a row failed (connect, 5xx, timeout, or an invalid prediction: a 200
 * that is not an answer of the model) is taken out of rotation for `baseMs` times the number of
 * its ejections so far, capped at `maxMs`. It comes back once that time has passed AND a readiness
 * probe answered ready, so a version that is still down is not handed live traffic to find out.
 * The last ready serving version of a model is never ejected: a degraded answer beats a 503 for
 * every request.
 *
 * Pure: the state is a value, the clock is an argument, and each step returns the next state and
 * what changed. The holder (src/proxy/ejections.ts) applies it to the runtime.
 */

export interface OutlierSettings {
  /** Consecutive failures that eject. Default 5. */
  readonly failures: number
  /** Ejection time of the first ejection; the n-th lasts n times as long. Default 30000. */
  readonly baseMs: number
  /** Longest ejection. Default 300000. */
  readonly maxMs: number
}

export const DEFAULT_OUTLIER: OutlierSettings = Object.freeze({ failures: 5, baseMs: 30_000, maxMs: 300_000 })

export interface OutlierState {
  /** Failures in a row since the last success. */
  readonly consecutive: number
  /** How many times the version was ejected (it sets the next ejection's length). */
  readonly ejections: number
  /** Ejected until this time (ms); undefined: serving. */
  readonly ejectedUntil: number | undefined
}

export const SERVING: OutlierState = Object.freeze({ consecutive: 0, ejections: 0, ejectedUntil: undefined })

export type OutlierEvent = 'none' | 'ejected' | 'spared'

/**
 * One call's outcome. `othersReady` says whether another serving version of the model is ready
 * and not ejected: without one, the version is spared (counted, not ejected) and keeps serving.
 */
export function recordOutcome (state: OutlierState, failed: boolean, now: number, othersReady: boolean, s: OutlierSettings): { state: OutlierState; event: OutlierEvent } {
  if (state.ejectedUntil !== undefined) return { state, event: 'none' }
  if (!failed) return { state: state.consecutive === 0 ? state : { ...state, consecutive: 0 }, event: 'none' }
  const consecutive = state.consecutive + 1
  if (consecutive < s.failures) return { state: { ...state, consecutive }, event: 'none' }
  if (!othersReady) return { state: { ...state, consecutive }, event: consecutive === s.failures ? 'spared' : 'none' }
  const ejections = state.ejections + 1
  return { state: { consecutive: 0, ejections, ejectedUntil: now + ejectionMs(ejections, s) }, event: 'ejected' }
}

/** How long the n-th ejection lasts: n x base, capped. */
export function ejectionMs (n: number, s: OutlierSettings): number {
  return Math.min(s.maxMs, n * s.baseMs)
}

/** A probe answered ready: an ejected version whose time is over returns (its ejection count is kept). */
export function probedReady (state: OutlierState, now: number): { state: OutlierState; returned: boolean } {
  if (state.ejectedUntil === undefined || now < state.ejectedUntil) return { state, returned: false }
  return { state: { ...state, consecutive: 0, ejectedUntil: undefined }, returned: true }
}
