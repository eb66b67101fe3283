/**
 * Retries of a failed primary call, only where they are safe and cheap:
 *
 * - safe: the connection failed before any byte of the request was sent (refused, DNS, connect
 *   timeout: the upstream cannot have run the model), or the model declares its inference
 *   `idempotent` (then a timeout, a cut answer, a 5xx or an invalid prediction is retried too);
 * - elsewhere: to ANOTHER ready serving version, never the one that just failed;
 * - bounded: one retry per request, within the remaining deadline, and within a retry budget of
 *   20 % of the requests in flight (at least 3 retries at once), Envoy's `retry_budget`, so a
 *   failing fleet is not asked for twice the work;
 * - never for shadow copies (the shadow dispatcher does not call this).
 *
 * Pure decisions (`retryReason`, `pickOther`) and a small counter (`RetryBudget`).
 */
import type { ModelTable, RoutedVersion } from '../routing/table.js'
import type { UpstreamError } from '../runtime/call.js'

/** The budget: retries in flight at most this share of the requests in flight... */
export const RETRY_BUDGET_SHARE = 0.2
/** ...but never fewer than this many (a quiet gateway may still retry). */
export const MIN_RETRY_CONCURRENCY = 3

/** Why a failed call may be retried, or undefined when it must not be. */
export function retryReason (error: UpstreamError | undefined, sentNothing: boolean, idempotent: boolean): UpstreamError | undefined {
  if (error === undefined) return undefined
  if (error === 'connect' && sentNothing) return 'connect'
  return idempotent ? error : undefined
}

/**
 * Another ready serving version than `failed`, by weight (`random` in [0, 1)); undefined when there
 * is none.
 */
export function pickOther (table: ModelTable, failed: string, random: number): RoutedVersion | undefined {
  const others = table.readyWeighted.filter((v) => v.name !== failed && v.weight > 0)
  const total = others.reduce((sum, v) => sum + v.weight, 0)
  if (total === 0) return undefined
  let point = random * total
  for (const v of others) {
    point -= v.weight
    if (point < 0) return v
  }
  return others[others.length - 1]
}

/** Counts requests and retries in flight; `tryAcquire` says whether one more retry fits the budget. */
export class RetryBudget {
  #active = 0
  #retrying = 0

  /** A request started; call the returned function when it ends. */
  enter (): () => void {
    this.#active++
    let left = false
    return () => {
      if (left) return
      left = true
      this.#active--
    }
  }

  /** A retry may start now (then call the returned release when it ends), or undefined: over budget. */
  tryAcquire (): (() => void) | undefined {
    if (this.#retrying >= Math.max(MIN_RETRY_CONCURRENCY, Math.floor(this.#active * RETRY_BUDGET_SHARE))) return undefined
    this.#retrying++
    let released = false
    return () => {
      if (released) return
      released = true
      this.#retrying--
    }
  }
}
