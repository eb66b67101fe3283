/**
 * Shadow mirroring: after the primary reply has been sent, copy the request to each shadow version
 * (by its `mirror` percent), compare the shadow's answer with the primary's, and record the outcome.
 *
 * Isolation is the point: shadow calls use their own undici agent (own connections), their own
 * timeout, and a per-model bound on copies in flight; past the bound a copy is dropped and counted,
 * so a slow or dead shadow costs bounded memory and never holds a primary connection. Nothing here
 * is awaited by the primary path.
 */
import type { Dispatcher } from 'undici'
import type { Logger } from 'pino'
import type { Metrics } from '../metrics/metrics.js'
import { observeRequestDuration } from '../metrics/exposition.js'
import type { Spans } from '../telemetry/spans.js'
import type { FinishedCall } from '../runtime/call.js'
import type { Observer } from '../runtime/observer.js'
import type { ModelRuntime, VersionRuntime } from '../runtime/snapshot.js'
import { callUpstream } from '../proxy/client.js'
import { shouldMirror } from '../routing/pick.js'
import { Breakers } from './breaker.js'
import { compare, DEFAULT_K, incomparable, type Answer, type Comparison } from './compare.js'
import { rowsFromAnswer } from '../protocol/rows.js'
import { MAX_COMPARED_BYTES, primaryAnswer } from './primary-answer.js'
import { DiffBuffer } from './diff-buffer.js'
import { labelledAnswer } from './labelled.js'
import { shadowRequest, type ShadowRequest } from './request.js'
import { ShadowStats, type ShadowStatsSnapshot } from './summary.js'

/** The header that marks mirrored requests, so upstream logs can tell shadow traffic apart. */
export const SHADOW_HEADER = 'x-headliner-shadow'
const MAX_SHADOW_BODY = 4 * 1024 * 1024
const MAX_DIFF_BYTES = 1024 * 1024

export interface Disagreement {
  at: string
  requestId: string
  primary: string
  shadow: string
  outcome: Comparison['outcome']
  input: unknown
  primaryAnswer: unknown
  shadowAnswer: unknown
  measures: Comparison['measures'] | Comparison['regression'] | undefined
  error?: string
}

/** One compared shadow copy, as the status windows count it. */
export interface ShadowComparison {
  model: string
  primary: string
  shadow: string
  outcome: Comparison['outcome']
  /** Mean Jensen-Shannon divergence, when the comparison measured one. */
  divergence?: number
  /** The shadow's HTTP status; 0 when it sent none (timeout, connection error). */
  status: number
  durationMs: number
  /** No usable answer came back (transport failure or an error status). */
  failed: boolean
}

export interface ShadowDeps {
  agent: Dispatcher
  metrics: Metrics
  log: Logger
  random: () => number
  /** Each shadow call in a span of its own, linked to the request's (src/telemetry/spans.ts). */
  spans: Spans
  now?: () => number
  /** Told of every compared copy (the status windows listen); called off the primary path. */
  onComparison?: (c: ShadowComparison) => void
}

export class ShadowDispatcher implements Observer {
  readonly #deps: ShadowDeps
  readonly #inflight = new Map<string, number>()
  readonly #stats = new Map<string, ShadowStats>()
  readonly #diffs = new Map<string, DiffBuffer<Disagreement>>()
  readonly #breakers: Breakers

  constructor (deps: ShadowDeps) {
    this.#deps = deps
    this.#breakers = new Breakers(deps.now ?? Date.now)
  }

  wantsResponse (model: ModelRuntime): boolean {
    return model.table.shadows.length > 0
  }

  afterReply (call: FinishedCall): void {
    const { model } = call
    // Only calls that passed validation and went to the primary upstream are mirrored.
    if (model.table.shadows.length === 0 || call.upstreamPath === undefined || call.version.isShadow) return
    const settings = model.config.shadow
    let primary: { answer: Answer; body: unknown; skipped?: boolean } | undefined
    for (const routed of model.table.shadows) {
      // A rollout's compared candidate gets copies of its baseline's requests only.
      if (routed.mirrorOf !== undefined && routed.mirrorOf !== call.version.name) continue
      const shadow = model.versions.get(routed.name)
      if (shadow === undefined || !shouldMirror(routed.mirror ?? 0, this.#deps.random())) continue
      const inflight = this.#inflight.get(model.name) ?? 0
      // Past the in-flight bound, or while a failing shadow cools down, the copy is dropped (counted):
      // a dead shadow then costs a counter increment, not a refused connection per request.
      if (inflight >= settings.maxInflight || this.#breakers.open(model.name, shadow.name, settings.breaker)) {
        this.#deps.metrics.shadowRequests.labels(model.name, shadow.name, 'dropped').inc()
        continue
      }
      const req = shadowRequest(call, shadow)
      if (req === undefined) {
        this.#deps.metrics.shadowRequests.labels(model.name, shadow.name, 'error').inc()
        continue
      }
      const answer = primary ??= primaryAnswer(call)
      this.#inflight.set(model.name, inflight + 1)
      this.#deps.metrics.shadowRequests.labels(model.name, shadow.name, 'sent').inc()
      // Started here, where the request's context is active: the shadow span links to its span.
      void this.#deps.spans.shadow({ model: model.name, version: shadow.name }, () => this.#mirror(call, shadow, req, answer)).finally(() => {
        this.#inflight.set(model.name, (this.#inflight.get(model.name) ?? 1) - 1)
      })
    }
  }

  async #mirror (call: FinishedCall, shadow: VersionRuntime, req: ShadowRequest, primary: { answer: Answer; body: unknown; skipped?: boolean }): Promise<void> {
    const { metrics } = this.#deps
    const { model } = call
    const timeoutMs = model.config.shadow.timeoutMs
    const started = performance.now()
    let answer: Answer
    let body: unknown
    let code = 'error'
    try {
      const res = await callUpstream(this.#deps.agent, {
        origin: shadow.target.origin,
        path: req.path,
        method: 'POST',
        headers: { 'content-type': 'application/json', [SHADOW_HEADER]: '1', 'x-request-id': call.requestId },
        body: req.body,
        deadlineMs: timeoutMs,
        maxBytes: MAX_SHADOW_BODY
      })
      if (!res.ok) throw new ShadowCallError(res.kind, res.detail)
      metrics.upstreamDuration.labels(model.name, shadow.name, 'shadow').observe(res.headersMs / 1000)
      code = String(res.status)
      if (res.status < 400 && (primary.skipped === true || res.body.length > MAX_COMPARED_BYTES)) {
        // Too large to compare on the event loop: the copy counts as sent and answered, the comparison as skipped.
        this.#breakers.record(model.name, shadow.name, false, model.config.shadow.breaker)
        metrics.requests.labels(model.name, shadow.name, 'shadow', call.route, code).inc()
        metrics.shadowComparisons.labels(model.name, call.version.name, shadow.name, 'skipped').inc()
        return
      }
      if (res.status >= 400) {
        metrics.shadowRequests.labels(model.name, shadow.name, 'error').inc()
        answer = { ok: false, error: `shadow answered ${res.status}: ${res.body.toString('utf8', 0, 200)}` }
      } else {
        body = JSON.parse(res.body.toString('utf8'))
        answer = rowsFromAnswer(req.kind, body)
      }
      // A 5xx is a failing shadow (a 4xx is the request's fault): it counts toward the breaker.
      this.#breakers.record(model.name, shadow.name, res.status >= 500, model.config.shadow.breaker)
    } catch (err) {
      const timedOut = isTimeout(err)
      code = timedOut ? 'timeout' : 'error'
      metrics.shadowRequests.labels(model.name, shadow.name, timedOut ? 'timeout' : 'error').inc()
      answer = { ok: false, error: timedOut ? `shadow did not answer within ${timeoutMs} ms` : `shadow call failed: ${(err as Error).message}` }
      this.#breakers.record(model.name, shadow.name, true, model.config.shadow.breaker)
    }
    const shadowMs = performance.now() - started
    metrics.requests.labels(model.name, shadow.name, 'shadow', call.route, code).inc()
    observeRequestDuration(metrics, model.name, shadow.name, 'shadow', shadowMs / 1000, this.#deps.spans.activeTraceId())

    // k of the top-k overlap: the primary's transform's `top` (what users are shown), else 5.
    const k = call.version.transform?.top ?? DEFAULT_K
    // A pair that read the tensor in orders not both known is not compared (src/shadow/request.ts).
    const comparison = req.incomparable !== undefined ? incomparable(req.incomparable) : compare({ primary: primary.answer, shadow: answer }, model.config.shadow.agreement, k)
    metrics.shadowComparisons.labels(model.name, call.version.name, shadow.name, comparison.outcome).inc()
    if (comparison.measures !== undefined) metrics.shadowDivergence.labels(model.name, call.version.name, shadow.name).observe(comparison.measures.js)
    this.#statsFor(model.name, call.version.name, shadow.name).record(comparison, call.upstreamMs ?? 0, answer.ok ? shadowMs : undefined)
    const status = /^\d+$/.test(code) ? Number(code) : 0
    this.#deps.onComparison?.({ model: model.name, primary: call.version.name, shadow: shadow.name, outcome: comparison.outcome, ...(comparison.measures !== undefined ? { divergence: comparison.measures.js } : {}), status, durationMs: shadowMs, failed: !answer.ok })
    // Disagreements, and shadow answers that could not be compared; not transport failures (counted above).
    if (comparison.outcome === 'disagree' || (comparison.outcome === 'shadow_error' && body !== undefined)) {
      this.#diffsFor(model).push({
        at: new Date().toISOString(),
        requestId: call.requestId,
        primary: call.version.name,
        shadow: shadow.name,
        outcome: comparison.outcome,
        input: call.parsed,
        // Labelled by each version's own transform: the list is read for its country names.
        primaryAnswer: labelledAnswer(call.version, primary.body),
        shadowAnswer: labelledAnswer(shadow, body),
        measures: comparison.measures ?? comparison.regression,
        ...(comparison.error !== undefined ? { error: comparison.error } : {})
      })
    }
  }

  /** Per (primary, shadow) summaries of one model, for the admin API. */
  summary (model: string): ShadowStatsSnapshot[] {
    return [...this.#stats.entries()].filter(([key]) => key.startsWith(model + '\u0000')).map(([, s]) => s.snapshot())
  }

  diffs (model: string, limit?: number): Disagreement[] {
    return this.#diffs.get(model)?.list(limit) ?? []
  }

  inflight (model: string): number {
    return this.#inflight.get(model) ?? 0
  }

  #statsFor (model: string, primary: string, shadow: string): ShadowStats {
    const key = `${model}\u0000${primary}\u0000${shadow}`
    let s = this.#stats.get(key)
    if (s === undefined) {
      s = new ShadowStats({ model, primary, shadow })
      this.#stats.set(key, s)
    }
    return s
  }

  #diffsFor (model: ModelRuntime): DiffBuffer<Disagreement> {
    let d = this.#diffs.get(model.name)
    if (d === undefined) {
      d = new DiffBuffer<Disagreement>({ maxEntries: model.config.shadow.diffs, maxBytes: MAX_DIFF_BYTES })
      this.#diffs.set(model.name, d)
    }
    return d
  }
}

/** A shadow call that got no usable answer, with the client's failure kind. */
class ShadowCallError extends Error {
  readonly kind: string
  constructor (kind: string, detail: string) {
    super(detail)
    this.kind = kind
  }
}

function isTimeout (err: unknown): boolean {
  return err instanceof ShadowCallError && err.kind === 'timeout'
}
