/**
 * The rollout driver, one per process: every interval it reads the state, keeps this replica's counts
 * on the current step window of every rollout, and, for each model whose lease it holds, sums the
 * fleet's counts, runs the pure machine and applies its actions: the weights and the new rollout state
 * in one compare-and-set write with an audit entry (actor `rollout`), then the webhooks in the
 * background. The lease expires `leaseTtlMs` after the holder's last renewal, so when a replica dies
 * another takes over within that time and resumes from the stored state.
 */
import type { Logger } from 'pino'
import { Refusal, type StateStore } from '../state/types.js'
import { countsKey, toObservations, type RolloutCounts } from './counts.js'
import * as machine from './machine.js'
import { applyTransition, payloadOf, readDoc, type Applied, type RolloutDoc } from './service.js'
import type { DecisionRecord, GateName, GateResultKind, RolloutStatus } from './types.js'
import type { Webhooks } from './webhooks.js'

/** What the driver reports; `rolloutMetrics()` in metrics.ts implements it on the gateway's metrics. */
export interface RolloutMetrics {
  /** headliner_rollout_step{model}: the candidate's weight, 0-1. */
  step (model: string, ratio: number): void
  /** headliner_rollout_state{model,state}: 1 for `status`, 0 for the others. */
  state (model: string, status: RolloutStatus): void
  /** headliner_rollout_gate_evaluations_total{model,gate,result}. */
  gate (model: string, gate: GateName, result: GateResultKind): void
  /** headliner_rollout_last_evaluation_timestamp_seconds{model}. */
  evaluated (model: string, seconds: number): void
  /** Ticks skipped because the store did not answer (logged too). */
  skipped? (reason: string): void
}

export interface DriverOptions {
  store: StateStore
  replicaId: string
  counts: RolloutCounts
  log: Logger
  metrics?: RolloutMetrics
  webhooks?: Webhooks
  /** Webhook URLs every rollout notifies, besides its own. */
  defaultWebhooks?: string[]
  /** Default 1000 ms. */
  intervalMs?: number
  /** Default 5000 ms. */
  leaseTtlMs?: number
  /** Bound of every store call of a tick. Default 2000 ms. */
  storeTimeoutMs?: number
  /** An evaluation that only waits is written at most this often (the others always). Default 10 s. */
  waitWriteMs?: number
  /** Wait records kept in the stored state (transitions are all kept). Default 20. */
  storedWaits?: number
  /** How often an approval webhook is asked again. Default 10 s. */
  approvalEveryMs?: number
  now?: () => number
}

const DEFAULTS = { intervalMs: 1000, leaseTtlMs: 5000, storeTimeoutMs: 2000, waitWriteMs: 10_000, storedWaits: 20, approvalEveryMs: 10_000 }

async function bounded<T> (what: string, p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const limit = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms) })
  try { return await Promise.race([p, limit]) } finally { clearTimeout(timer) }
}

/** Keeps every transition and the newest `waits` waits: a stored document stays small. */
export function trimWaits (records: DecisionRecord[], waits: number): DecisionRecord[] {
  let extra = records.filter((r) => r.decision === 'wait').length - waits
  return extra <= 0 ? records : records.filter((r) => r.decision !== 'wait' || extra-- <= 0)
}

export class RolloutDriver {
  readonly #o: DriverOptions & typeof DEFAULTS
  readonly #lastWrite = new Map<string, number>()
  readonly #lastAsk = new Map<string, number>()
  readonly #asking = new Map<string, Promise<void>>()
  readonly #held = new Set<string>()
  #tracked = new Set<string>()
  #timer: NodeJS.Timeout | undefined
  #ticking: Promise<void> | undefined
  /** Ticks (or a model's part of one) skipped because the store did not answer. */
  skippedTicks = 0

  constructor (opts: DriverOptions) {
    this.#o = { ...DEFAULTS, ...opts }
  }

  #now (): number { return (this.#o.now ?? Date.now)() }

  /** Models whose lease this driver held at its last look. */
  holding (): string[] { return [...this.#held] }

  start (): void {
    this.#o.counts.start()
    this.#timer ??= setInterval(() => { this.#ticking ??= this.tick().finally(() => { this.#ticking = undefined }) }, this.#o.intervalMs)
    this.#timer.unref()
  }

  /** Stops the loop and the count pushes without giving the leases up (as a crash would). */
  async stop (): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    await this.#ticking
    // Approval calls are bounded by the webhook timeout and retries.
    await Promise.all([...this.#asking.values()])
    await this.#o.counts.stop()
  }

  /** Stops and releases the leases, so another replica takes over at once. */
  async close (): Promise<void> {
    await this.stop()
    await Promise.allSettled([...this.#held].map((m) => this.#o.store.release(`rollout:${m}`, this.#o.replicaId)))
    this.#held.clear()
  }

  #skip (reason: string, err: unknown): void {
    this.skippedTicks++
    this.#o.metrics?.skipped?.(reason)
    this.#o.log.warn({ err: (err as Error).message, reason }, 'rollout driver: store unavailable, tick skipped')
  }

  /** One pass over every model with a rollout; never rejects (a model that fails is skipped, the others go on). */
  async tick (): Promise<void> {
    let models
    const seen = new Set<string>()
    try {
      models = (await bounded('load', this.#o.store.load(), this.#o.storeTimeoutMs)).models
    } catch (err) {
      return this.#skip('load', err)
    }
    for (const [model, ms] of Object.entries(models)) {
      const doc = readDoc(ms)
      if (doc === undefined) continue
      seen.add(model)
      try {
        await this.#model(model, doc)
      } catch (err) {
        this.#skip(`evaluate ${model}`, err)
      }
    }
    // A model whose rollout document is gone (overrides deleted) stops counting.
    for (const model of this.#tracked) if (!seen.has(model)) this.#o.counts.track(model, undefined)
    this.#tracked = seen
  }

  async #model (model: string, doc: RolloutDoc): Promise<void> {
    const { store, storeTimeoutMs, counts, metrics } = this.#o
    const { spec, state } = doc
    metrics?.state(model, state.status)
    const weight = state.status === 'rolled_back' || state.status === 'aborted' ? (state.preRolloutWeights[spec.candidate] ?? 0) : (machine.weightsAt(spec, state, state.stepIndex)[spec.candidate] ?? 0)
    metrics?.step(model, weight / 100)
    const running = state.status === 'running'
    counts.track(model, running ? { key: countsKey(model, doc.id, doc.epoch), candidate: spec.candidate, baseline: spec.baseline, sloMs: spec.gates.latency.sloMs, compare: spec.compare ?? 0 } : undefined)
    const approval = state.status === 'paused' && state.awaitingApproval && spec.approval === 'webhook' && doc.webhooks.approvalUrl !== undefined
    if (!running && !approval) return
    if (!(await bounded('lease', store.lease(`rollout:${model}`, this.#o.replicaId, this.#o.leaseTtlMs), storeTimeoutMs))) {
      this.#held.delete(model)
      return
    }
    this.#held.add(model)
    if (running) await this.#evaluate(model, doc)
    else this.#askApproval(model, doc)
  }

  async #evaluate (model: string, doc: RolloutDoc): Promise<void> {
    const { store, storeTimeoutMs, metrics } = this.#o
    const sum = await bounded('sumCounts', store.sumCounts(countsKey(model, doc.id, doc.epoch)), storeTimeoutMs)
    const versions = Object.keys(machine.weightsAt(doc.spec, doc.state, doc.state.stepIndex))
    const now = this.#now()
    const t = machine.step(doc.spec, doc.state, toObservations(sum, versions), now)
    const record = t.state.records[t.state.records.length - 1] as DecisionRecord
    for (const g of record.gates) metrics?.gate(model, g.gate, g.result)
    metrics?.evaluated(model, now / 1000)
    if (record.decision === 'wait' && now - (this.#lastWrite.get(model) ?? -Infinity) < this.#o.waitWriteMs) return
    const trimmed = { ...t, state: { ...t.state, records: trimWaits(t.state.records, this.#o.storedWaits) } }
    await this.#write(model, doc, (current) => applyTransition(current, doc, trimmed), `rollout.${record.decision}`, record.decision === 'wait' ? record.words : t.state.reason)
    this.#lastWrite.set(model, now)
  }

  /** One compare-and-set write: refused (and left for the next tick) when a command changed the rollout meanwhile. */
  async #write (model: string, seen: RolloutDoc, apply: (current: NonNullable<Parameters<typeof applyTransition>[0]>) => Applied, action: string, reason: string): Promise<void> {
    let applied: Applied | undefined
    const seenJson = JSON.stringify(seen)
    const result = await bounded('update', this.#o.store.update<string>(model, (current) => {
      if (current === undefined || JSON.stringify(readDoc(current)) !== seenJson) return new Refusal('the rollout changed since it was read')
      applied = apply(current)
      return applied.next
    }, { actor: 'rollout', action, reason }), this.#o.storeTimeoutMs)
    if (!result.applied || applied === undefined) return
    const doc = readDoc(result.state.models[model]) as RolloutDoc
    this.#o.log.info({ model, action, reason }, 'rollout')
    const urls = [...new Set([...(this.#o.defaultWebhooks ?? []), ...doc.webhooks.urls])]
    if (this.#o.webhooks !== undefined && urls.length > 0) {
      for (const e of applied.events) void this.#o.webhooks.notify(urls, payloadOf(doc, e.event, e.reason, this.#now()))
    }
  }

  /** Asks the approval webhook in the background (at most one call in flight per model); a 2xx promotes. */
  #askApproval (model: string, doc: RolloutDoc): void {
    const { webhooks } = this.#o
    const url = doc.webhooks.approvalUrl
    const now = this.#now()
    if (webhooks === undefined || url === undefined || this.#asking.has(model)) return
    if (now - (this.#lastAsk.get(model) ?? -Infinity) < this.#o.approvalEveryMs) return
    this.#lastAsk.set(model, now)
    const asking = webhooks.deliver(url, payloadOf(doc, 'approval', doc.state.reason, now))
      .then(async (ok) => {
        if (!ok) return
        const reason = `approved by the webhook ${url}`
        await this.#write(model, doc, (current) => applyTransition(current, doc, machine.promote(doc.spec, doc.state, this.#now(), reason)), 'rollout.promote', reason)
      })
      .catch((err: unknown) => this.#skip(`approval ${model}`, err))
      .finally(() => this.#asking.delete(model))
    this.#asking.set(model, asking)
  }
}
