/**
 * The rollout parts of one gateway process: this replica's counts (an observer of every finished
 * call, plus the shadow comparisons), the one driver of the process on the app's state store, and
 * the service the admin routes call. buildApp makes one of these; tests can make their own.
 */
import type { Logger } from 'pino'
import type { Metrics } from '../metrics/metrics.js'
import { rowsFromAnswer } from '../protocol/rows.js'
import type { FinishedCall } from '../runtime/call.js'
import type { Observer } from '../runtime/observer.js'
import type { Runtime } from '../runtime/runtime.js'
import { versionKey } from '../runtime/snapshot.js'
import type { ModelState, State, StateStore } from '../state/index.js'
import { RolloutCounts, type Comparison, type RequestOutcome } from './counts.js'
import { RolloutDriver } from './driver.js'
import { rolloutMetrics } from './metrics.js'
import { weightsAt } from './machine.js'
import { RolloutService, readDoc } from './service.js'
import type { RolloutSummary } from '../status/report.js'
import { Webhooks } from './webhooks.js'

export interface RolloutWiringOptions {
  store: StateStore
  replica: string
  runtime: Runtime
  metrics: Metrics
  log: Logger
  /** Called with the state after every applied write of the driver or a command (the store does not echo its own writes). */
  onWrite?: (state: State) => void
  /** Driver tick (default 1000 ms), lease (5000 ms) and counts push (1000 ms) periods. */
  intervalMs?: number
  leaseTtlMs?: number
  pushMs?: number
}

/** The top-1 class of a call's answer, when the upstream's body was kept and parses into rows. */
function predictedClass (call: FinishedCall): string | undefined {
  if (call.responseBody === undefined) return undefined
  const rows = rowsFromAnswer(call.upstreamKind, call.responseJson())
  const row = rows.ok ? rows.rows[0] : undefined
  if (row === undefined || row.length === 0) return undefined
  let best = 0
  for (let i = 1; i < row.length; i++) if ((row[i] as number) > (row[best] as number)) best = i
  return call.version.transform?.labels?.[best] ?? String(best)
}

/** A finished call as the counts' RequestOutcome (the upstream time is the latency judged). */
export function outcomeOf (call: FinishedCall): RequestOutcome {
  const predicted = call.status === 200 ? predictedClass(call) : undefined
  return {
    model: call.model.name,
    version: call.version.name,
    route: call.route,
    status: call.status,
    durationMs: call.upstreamMs ?? 0,
    upstreamError: call.upstreamError !== undefined,
    ...(predicted === undefined ? {} : { predictedClass: predicted })
  }
}

/** The store, with `onWrite` told of every update that applied. */
function announcing (store: StateStore, onWrite: ((state: State) => void) | undefined): StateStore {
  if (onWrite === undefined) return store
  // Forwarded one by one, bound: the stores keep private fields, so a prototype trick would break `this`.
  const wrapped: StateStore = {
    load: () => store.load(),
    watch: (onChange) => store.watch(onChange),
    update: async (model, mutate, audit) => {
      const result = await store.update(model, mutate, audit)
      if (result.applied) onWrite(result.state)
      return result
    },
    audit: (query) => store.audit(query),
    lease: (name, holder, ttlMs) => store.lease(name, holder, ttlMs),
    release: (name, holder) => store.release(name, holder),
    addCounts: (replica, key, counts, ttlMs) => store.addCounts(replica, key, counts, ttlMs),
    sumCounts: (key) => store.sumCounts(key),
    health: () => store.health(),
    close: () => store.close()
  }
  return wrapped
}

export class RolloutWiring {
  readonly #runtime: Runtime
  readonly counts: RolloutCounts
  readonly driver: RolloutDriver
  readonly service: RolloutService
  readonly webhooks: Webhooks
  /** The Observers entry: every finished call of a tracked model is counted. */
  readonly observer: Observer

  constructor (o: RolloutWiringOptions) {
    const store = announcing(o.store, o.onWrite)
    const runtime = o.runtime
    this.counts = new RolloutCounts({
      store: o.store,
      replica: o.replica,
      log: o.log,
      ...(o.pushMs === undefined ? {} : { pushMs: o.pushMs }),
      // While a step runs, the candidate also gets copies of the baseline's requests (the agreement
      // gate's pairs), and an ejection already in force counts in the new window too.
      onTrack: (model, w) => {
        runtime.setCompare(model, w === undefined || !((w.compare ?? 0) > 0) ? undefined : { version: w.candidate, of: w.baseline, percent: w.compare as number })
        if (w !== undefined) this.#markEjected(model)
      }
    })
    // An ejection is a swap of the runtime's ejection layer: the candidate's is marked in the step's counts.
    runtime.onSwap(() => { for (const model of this.#tracking()) this.#markEjected(model) })
    this.#runtime = runtime
    this.webhooks = new Webhooks({ log: o.log })
    this.driver = new RolloutDriver({
      store,
      replicaId: o.replica,
      counts: this.counts,
      log: o.log,
      metrics: rolloutMetrics(o.metrics),
      webhooks: this.webhooks,
      ...(o.intervalMs === undefined ? {} : { intervalMs: o.intervalMs }),
      ...(o.leaseTtlMs === undefined ? {} : { leaseTtlMs: o.leaseTtlMs })
    })
    this.service = new RolloutService({
      store,
      log: o.log,
      webhooks: this.webhooks,
      fileWeights: (model) => {
        const m = o.runtime.snapshot.config.models[model]
        return m === undefined ? undefined : Object.fromEntries(Object.entries(m.versions).map(([v, c]) => [v, c.weight]))
      }
    })
    const counts = this.counts
    this.observer = {
      // Answers are only kept for the predictions of a model whose rollout is being counted.
      wantsResponse: (model) => counts.window(model.name) !== undefined,
      afterReply: (call) => { if (counts.window(call.model.name) !== undefined) counts.record(outcomeOf(call)) }
    }
  }

  /** The shadow dispatcher's seam: a paired comparison that agreed or not. */
  comparison = (c: Comparison): void => { this.counts.recordComparison(c) }

  /** The rollout state and its last decision, for /status and GET /admin/models (from the state the app already holds). */
  static summary (state: ModelState | undefined): RolloutSummary | null {
    const doc = readDoc(state)
    if (doc === undefined) return null
    const { spec, state: st } = doc
    const back = st.status === 'rolled_back' || st.status === 'aborted'
    const step = back ? (st.preRolloutWeights[spec.candidate] ?? 0) : (weightsAt(spec, st, st.stepIndex)[spec.candidate] ?? 0)
    const last = st.records.at(-1)
    const lastDecision = last === undefined ? undefined : { at: last.at, result: last.decision, reason: last.words }
    return {
      candidate: spec.candidate,
      state: st.status,
      step,
      steps: spec.steps,
      ...(lastDecision === undefined ? {} : { lastDecision, decisions: [{ ...lastDecision, step: last!.step }] })
    }
  }

  #tracking (): string[] {
    return Object.keys(this.#runtime.snapshot.config.models).filter((m) => this.counts.window(m) !== undefined)
  }

  /** Marks the candidate ejected in this replica's counts when the ejection layer holds it. */
  #markEjected (model: string): void {
    const w = this.counts.window(model)
    const m = this.#runtime.model(model)
    if (w === undefined || m === undefined || !this.#runtime.layers.ejected.has(versionKey(model, w.candidate))) return
    this.counts.recordEjection(model, w.candidate, m.config.outlier.failures)
  }

  start (): void { this.driver.start() }

  async close (): Promise<void> { await this.driver.close() }
}
