/**
 * Rollout webhooks: a POST of JSON to each configured URL on `step`, `paused`, `rolled_back` and
 * `promoted`, and the optional approval call before 100 %. Each call is bounded (timeout), retried a
 * bounded number of times with a growing pause, and its failure is counted and logged, never thrown:
 * a receiver that is slow, failing or down must not hold a rollout (or its rollback) back.
 */
import type { Logger } from 'pino'
import { request } from 'undici'
import type { NotifyEvent } from './types.js'

export interface WebhookPayload {
  event: NotifyEvent | 'approval'
  model: string
  candidate: string
  baseline: string
  status: string
  /** Candidate weight now (0-100). */
  step: number
  reason: string
  at: string
}

export interface WebhookOptions {
  log: Logger
  /** Bound of one attempt. Default 2000 ms. */
  timeoutMs?: number
  /** Attempts after the first. Default 3. */
  retries?: number
  /** Pause before the first retry, doubled each time. Default 200 ms. */
  backoffMs?: number
  /** Called once per delivery that failed every attempt (metrics). */
  onFailure?: (event: WebhookPayload['event'], url: string) => void
}

export const WEBHOOK_DEFAULTS: Readonly<{ timeoutMs: number, retries: number, backoffMs: number }> = Object.freeze({ timeoutMs: 2000, retries: 3, backoffMs: 200 })

export class Webhooks {
  readonly #opts: WebhookOptions & typeof WEBHOOK_DEFAULTS
  readonly #inFlight = new Set<Promise<unknown>>()
  /** Deliveries that failed every attempt. */
  failures = 0
  delivered = 0

  constructor (opts: WebhookOptions) {
    this.#opts = { ...WEBHOOK_DEFAULTS, ...opts }
  }

  /** One attempt: the status code, or the reason there was none. */
  async #post (url: string, payload: WebhookPayload): Promise<{ status?: number, detail: string }> {
    const { timeoutMs } = this.#opts
    try {
      const res = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs)
      })
      await res.body.dump()
      return { status: res.statusCode, detail: `answered ${res.statusCode}` }
    } catch (err) {
      const e = err as Error
      return { detail: e.name === 'TimeoutError' || /timeout/i.test(e.name) ? `no answer within ${timeoutMs} ms` : e.message }
    }
  }

  /** Up to 1 + retries attempts; true on a 2xx. Never rejects. */
  async deliver (url: string, payload: WebhookPayload): Promise<boolean> {
    const { retries, backoffMs, log } = this.#opts
    let detail = ''
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, backoffMs * 2 ** (attempt - 1)))
      const r = await this.#post(url, payload)
      if (r.status !== undefined && r.status >= 200 && r.status < 300) {
        this.delivered++
        return true
      }
      detail = r.detail
    }
    this.failures++
    this.#opts.onFailure?.(payload.event, url)
    log.warn({ url, event: payload.event, model: payload.model, attempts: retries + 1, detail }, 'rollout webhook failed')
    return false
  }

  /** Fires `payload` at every URL in the background; the returned promise is only for tests and close. */
  notify (urls: readonly string[], payload: WebhookPayload): Promise<void> {
    const job = Promise.all(urls.map((url) => this.deliver(url, payload))).then(() => undefined)
    this.#inFlight.add(job)
    void job.finally(() => this.#inFlight.delete(job))
    return job
  }

  /** Waits for the deliveries under way (each is bounded, so this is too). */
  async settle (): Promise<void> {
    await Promise.all([...this.#inFlight])
  }
}
