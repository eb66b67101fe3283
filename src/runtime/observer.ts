/**
 * Observers: what runs after the reply, off the reply path (shadow mirroring, drift, status windows).
 * Each has a lifecycle: `configure` on every snapshot swap, `afterReply` per finished call, `flush`
 * before a scrape or a status read, `close` at shutdown. `Observers` is the one fan-out (the idea of
 * OpenTelemetry's MultiSpanProcessor): it owns the try/catch, so one observer's bug costs a log
 * line, never the process or the other observers.
 */
import type { FinishedCall } from './call.js'
import type { ModelRuntime, Snapshot } from './snapshot.js'

export interface Observer {
  /** Keep the upstream's body for this model's calls (the handler reads it instead of streaming it through). */
  wantsResponse (model: ModelRuntime): boolean
  afterReply (call: FinishedCall): void
  configure? (snapshot: Snapshot): void
  flush? (): void
  close? (): void | Promise<void>
}

/** Where a failing observer is reported: a pino logger fits, and tests pass their own. */
export interface ObserverLog { error (obj: object, msg: string): void }

export class Observers implements Observer {
  readonly #list: readonly Observer[]
  readonly #log: ObserverLog

  constructor (list: readonly Observer[], log: ObserverLog) {
    this.#list = list
    this.#log = log
  }

  wantsResponse (model: ModelRuntime): boolean {
    for (const o of this.#list) if (this.#guard('wantsResponse', () => o.wantsResponse(model)) === true) return true
    return false
  }

  afterReply (call: FinishedCall): void {
    for (const o of this.#list) this.#guard('afterReply', () => { o.afterReply(call) })
  }

  configure (snapshot: Snapshot): void {
    for (const o of this.#list) this.#guard('configure', () => { o.configure?.(snapshot) })
  }

  flush (): void {
    for (const o of this.#list) this.#guard('flush', () => { o.flush?.() })
  }

  async close (): Promise<void> {
    for (const o of this.#list) {
      try {
        await o.close?.()
      } catch (err) {
        this.#log.error({ err, phase: 'close' }, 'observer failed')
      }
    }
  }

  #guard<T> (phase: string, fn: () => T): T | undefined {
    try {
      return fn()
    } catch (err) {
      this.#log.error({ err, phase }, 'observer failed')
      return undefined
    }
  }
}
