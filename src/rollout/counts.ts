/**
 * Per-replica rollout counts. Every replica records the outcome of each request of a model under
 * rollout, per version, and pushes its cumulative counts for the current step window to the state
 * store, where the driver (on whichever replica holds the lease) sums them over the fleet.
 *
 * Only requests routed by weight or sticky key are counted: the gates condition on the randomised
 * split, and a request pinned to a version (path, header) or sent to a fallback was not randomised.
 */
import type { Logger } from 'pino'
import type { StateStore } from '../state/types.js'
import type { Observations, VersionCounts } from './types.js'

/** What the counts of a model are being kept for: the step window's store key and the judged pair. */
export interface CountWindow {
  /** Store key of the step window (a new key on every `resetCounts`: see `countsKey`). */
  key: string
  candidate: string
  baseline: string
  /** A request slower than this is "slow" (the latency gate's `sloMs`). */
  sloMs: number
  /** Percent of the baseline's requests copied to the candidate for the agreement gate (0: none). */
  compare?: number
}

export interface RequestOutcome {
  model: string
  version: string
  /** How the version was chosen (routing's RouteReason): only `weight` and `sticky` are counted. */
  route: string
  status: number
  durationMs: number
  /** No answer from the upstream: connect error, timeout, protocol error. */
  upstreamError: boolean
  invalidPrediction?: boolean
  /** The predicted top-1 class, for the drift gate. */
  predictedClass?: string
}

export interface Comparison {
  model: string
  primary: string
  shadow: string
  agree: boolean
}

const COUNTED_ROUTES = new Set(['weight', 'sticky'])

/** The store key of one step window of one rollout: a resumed or advanced step starts from zero. */
export function countsKey (model: string, rolloutId: string, epoch: number): string {
  return `rollout:${model}:${rolloutId}:${epoch}`
}

// Field names are JSON arrays so any version or class name survives the round trip through the store.
const field = (...parts: string[]): string => JSON.stringify(parts)

export interface CountsOptions {
  store: StateStore
  /** This replica's id in the store (one report per replica and key). */
  replica: string
  log: Logger
  /** How often the counts are pushed. Default 1000 ms. */
  pushMs?: number
  /** A report expires this long after its last push (a dead replica stops counting). Default 60 s. */
  ttlMs?: number
  /** Bound of one push; a slower store is logged and tried again next time. Default 2000 ms. */
  pushTimeoutMs?: number
  /** Told when a model's window starts or ends (undefined), so the wiring can follow it (the candidate's copies). */
  onTrack?: (model: string, window: CountWindow | undefined) => void
}

export class RolloutCounts {
  readonly #opts: Required<Omit<CountsOptions, 'store' | 'log' | 'replica' | 'onTrack'>> & CountsOptions
  readonly #windows = new Map<string, CountWindow>()
  readonly #counts = new Map<string, Record<string, number>>()
  #timer: NodeJS.Timeout | undefined
  #pushing: Promise<void> | undefined
  /** Pushes that failed or timed out (logged, never thrown). */
  failedPushes = 0

  constructor (opts: CountsOptions) {
    this.#opts = { pushMs: 1000, ttlMs: 60_000, pushTimeoutMs: 2000, ...opts }
  }

  /** Starts (or, with undefined, stops) counting a model; a new key starts the window from zero. */
  track (model: string, window: CountWindow | undefined): void {
    const old = this.#windows.get(model)
    if (window === undefined) {
      this.#windows.delete(model)
      if (old !== undefined) {
        this.#counts.delete(old.key)
        this.#opts.onTrack?.(model, undefined)
      }
      return
    }
    if (old?.key === window.key) return
    if (old !== undefined) this.#counts.delete(old.key)
    this.#windows.set(model, { ...window })
    this.#counts.set(window.key, {})
    this.#opts.onTrack?.(model, window)
  }

  window (model: string): CountWindow | undefined {
    return this.#windows.get(model)
  }

  record (o: RequestOutcome): void {
    const w = this.#windows.get(o.model)
    if (w === undefined || !COUNTED_ROUTES.has(o.route)) return
    const c = this.#counts.get(w.key) as Record<string, number>
    const add = (name: string): void => { c[name] = (c[name] ?? 0) + 1 }
    add(field('v', o.version, 'requests'))
    if (o.status >= 500 || o.upstreamError || o.invalidPrediction === true) add(field('v', o.version, 'errors'))
    if (o.durationMs > w.sloMs) add(field('v', o.version, 'slow'))
    if (o.predictedClass !== undefined) add(field('c', o.version, o.predictedClass))
  }

  /** A paired shadow comparison; counted only when it pairs the rollout's candidate and baseline. */
  recordComparison (r: Comparison): void {
    const w = this.#windows.get(r.model)
    if (w === undefined) return
    const pair = (r.primary === w.baseline && r.shadow === w.candidate) || (r.primary === w.candidate && r.shadow === w.baseline)
    if (!pair) return
    const c = this.#counts.get(w.key) as Record<string, number>
    c[field('a', 'total')] = (c[field('a', 'total')] ?? 0) + 1
    if (r.agree) c[field('a', 'agree')] = (c[field('a', 'agree')] ?? 0) + 1
  }

  /**
   * The version is ejected (outlier detection) on this replica during the window, after `failures` in a
   * row. One mark per replica and threshold: summed over the fleet it says on how many replicas.
   */
  recordEjection (model: string, version: string, failures: number): void {
    const w = this.#windows.get(model)
    if (w === undefined) return
    ;(this.#counts.get(w.key) as Record<string, number>)[field('x', version, String(failures))] = 1
  }

  /** Pushes every tracked window's counts once, each bounded; never rejects. */
  async push (): Promise<void> {
    const { store, replica, ttlMs, pushTimeoutMs, log } = this.#opts
    const jobs = [...this.#windows.values()].map(async (w) => {
      const counts = { ...this.#counts.get(w.key) }
      let timer: NodeJS.Timeout | undefined
      const bound = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${pushTimeoutMs} ms`)), pushTimeoutMs) })
      try {
        await Promise.race([store.addCounts(replica, w.key, counts, ttlMs), bound])
      } catch (err) {
        this.failedPushes++
        log.warn({ key: w.key, err: (err as Error).message }, 'rollout counts: push failed; trying again next time')
      } finally {
        clearTimeout(timer)
      }
    })
    await Promise.all(jobs)
  }

  /** Pushes every `pushMs`; a push still running is not overlapped. */
  start (): void {
    this.#timer ??= setInterval(() => {
      this.#pushing ??= this.push().finally(() => { this.#pushing = undefined })
    }, this.#opts.pushMs)
    this.#timer.unref()
  }

  async stop (): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    await this.#pushing
  }
}

/** The summed store fields as the machine's Observations; `versions` are always present (zeros). */
export function toObservations (sum: Record<string, number>, versions: string[]): Observations {
  const out: Record<string, VersionCounts> = {}
  for (const v of versions) out[v] = { requests: 0, errors: 0, slow: 0 }
  const classes = new Map<string, Map<string, number>>()
  const ejected: NonNullable<Observations['ejected']> = {}
  let agree = 0
  let total = 0
  for (const [name, value] of Object.entries(sum)) {
    let parts: unknown
    try { parts = JSON.parse(name) } catch { continue }
    if (!Array.isArray(parts)) continue
    const [kind, a, b] = parts as string[]
    if (kind === 'v' && a !== undefined && (b === 'requests' || b === 'errors' || b === 'slow')) {
      const c = out[a] ??= { requests: 0, errors: 0, slow: 0 }
      c[b] += value
    } else if (kind === 'c' && a !== undefined && b !== undefined) {
      let m = classes.get(a)
      if (m === undefined) classes.set(a, m = new Map())
      m.set(b, (m.get(b) ?? 0) + value)
    } else if (kind === 'a') {
      if (a === 'agree') agree += value
      if (a === 'total') total += value
    } else if (kind === 'x' && a !== undefined && value > 0 && Number(b) > 0) {
      const e = ejected[a] ??= { replicas: 0, failures: 0 }
      e.replicas += value
      e.failures = Math.max(e.failures, Number(b))
    }
  }
  if (classes.size > 0) {
    // One class order for every version, as the drift gate needs.
    const names = [...new Set([...classes.values()].flatMap((m) => [...m.keys()]))].sort()
    for (const [v, c] of Object.entries(out)) c.classes = names.map((k) => classes.get(v)?.get(k) ?? 0)
  }
  return { versions: out, ...(total > 0 ? { agreement: { agree, total } } : {}), ...(Object.keys(ejected).length > 0 ? { ejected } : {}) }
}
