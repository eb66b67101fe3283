/**
 * The holder of every version's outlier state (the decisions are src/proxy/outlier.ts, pure): it
 * feeds each primary call's outcome in, and applies an ejection or a return to the runtime's
 * `ejected` layer, so the routing table sends an ejected version's share to the others
 * (`x-headliner-route: fallback`). The clock is passed in.
 */
import type { Logger } from 'pino'
import type { Metrics } from '../metrics/metrics.js'
import type { Runtime } from '../runtime/runtime.js'
import { versionKey } from '../runtime/snapshot.js'
import { DEFAULT_OUTLIER, probedReady, recordOutcome, SERVING, type OutlierSettings, type OutlierState } from './outlier.js'

export interface EjectionsDeps {
  runtime: Runtime
  metrics: Metrics
  log: Logger
  now?: () => number
  settings?: (model: string) => OutlierSettings
}

export class Ejections {
  readonly #deps: EjectionsDeps
  readonly #now: () => number
  readonly #states = new Map<string, OutlierState>()

  constructor (deps: EjectionsDeps) {
    this.#deps = deps
    this.#now = deps.now ?? Date.now
    // The gauge follows every swap, so versions added by a reload show 0 from their first snapshot.
    this.#setGauge()
    deps.runtime.onSwap(() => { this.#setGauge() })
  }

  /** One primary call's outcome (failed: connect, 5xx, timeout, invalid prediction). */
  record (model: string, version: string, failed: boolean): void {
    const key = versionKey(model, version)
    const before = this.#states.get(key) ?? SERVING
    if (!failed && before === SERVING) return
    const table = this.#deps.runtime.model(model)?.table
    const othersReady = table?.readyWeighted.some((v) => v.name !== version) ?? false
    const settings = this.#deps.settings?.(model) ?? DEFAULT_OUTLIER
    const { state, event } = recordOutcome(before, failed, this.#now(), othersReady, settings)
    this.#states.set(key, state)
    if (event === 'ejected') {
      this.#deps.log.warn({ model, version, ejections: state.ejections, untilMs: state.ejectedUntil! - this.#now() }, 'version ejected after consecutive failures')
      this.#apply()
    } else if (event === 'spared') {
      this.#deps.log.warn({ model, version }, 'version failing but not ejected: it is the last ready serving version')
    }
  }

  /** A readiness probe of the version answered ready: it returns if its ejection time is over. */
  probedReady (model: string, version: string): void {
    const key = versionKey(model, version)
    const before = this.#states.get(key)
    if (before === undefined) return
    const { state, returned } = probedReady(before, this.#now())
    if (!returned) return
    this.#states.set(key, state)
    this.#deps.log.info({ model, version }, 'ejected version returned')
    this.#apply()
  }

  /** Is the version ejected now? (its time may be over while it waits for a good probe) */
  isEjected (model: string, version: string): boolean {
    return this.#states.get(versionKey(model, version))?.ejectedUntil !== undefined
  }

  #apply (): void {
    const ejected = new Set<string>()
    for (const [key, s] of this.#states) if (s.ejectedUntil !== undefined) ejected.add(key)
    this.#deps.runtime.setEjected(ejected)
  }

  #setGauge (): void {
    const gauge = this.#deps.metrics.versionEjected
    const ejected = this.#deps.runtime.layers.ejected
    gauge.reset()
    for (const model of this.#deps.runtime.snapshot.models.values()) {
      for (const v of model.versions.values()) gauge.labels(model.name, v.name).set(ejected.has(versionKey(model.name, v.name)) ? 1 : 0)
    }
  }
}
