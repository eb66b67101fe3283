/**
 * The rollout operations the admin API and the CLI call: start, pause, resume, abort, promote, get,
 * explain. Each is one compare-and-set write of the model's state (weights and the rollout document
 * together, with an audit entry), so a command and the driver's evaluation can never half-apply.
 */
import type { Logger } from 'pino'
import { z } from 'zod'
import { errors } from '../errors.js'
import { formatIssues } from '../schema-path.js'
import { Refusal, type ModelState, type StateStore } from '../state/types.js'
import * as machine from './machine.js'
import { explain, replay, type Mismatch } from './records/explain.js'
import { buildSpec, type RolloutRequest } from './spec.js'
import type { Action, NotifyEvent, RolloutSpec, RolloutState, Transition, Weights } from './types.js'
import type { WebhookPayload, Webhooks } from './webhooks.js'

/** Where a rollout's webhooks go; stored with the rollout. */
export interface WebhookTargets {
  urls: string[]
  /** Called before 100 % when the spec asks for `approval: 'webhook'`; a 2xx approves. */
  approvalUrl?: string
}

/** The model's `rollout` field in the store. */
export interface RolloutDoc {
  /** Tells one rollout of a model from the next (its counts live under keys with this id). */
  id: string
  spec: RolloutSpec
  state: RolloutState
  /** Step window number: grows on every `resetCounts`, so counts start from zero. */
  epoch: number
  webhooks: WebhookTargets
}

export function readDoc (model: ModelState | undefined): RolloutDoc | undefined {
  const r = model?.rollout as RolloutDoc | undefined
  return r !== undefined && r !== null && typeof r === 'object' && 'spec' in r && 'state' in r ? r : undefined
}

/** True while a rollout sets the model's weights (running, or paused mid-way): hand-set weights get 409. */
export function rolloutOwnsWeights (rollout: unknown): boolean {
  const doc = readDoc({ rollout })
  const status = doc?.state.status ?? (rollout as RolloutState | undefined)?.status
  return status === 'running'
}

export interface Applied {
  next: ModelState
  events: Array<{ event: NotifyEvent, reason: string }>
  needsApproval: boolean
}

/** A machine transition on a stored model state: the new rollout document and weights, and what to announce. */
export function applyTransition (current: ModelState, doc: RolloutDoc, t: Transition): Applied {
  let weights: Weights | undefined
  let epoch = doc.epoch
  const events: Applied['events'] = []
  let needsApproval = false
  for (const a of t.actions as Action[]) {
    if (a.type === 'setWeights') weights = a.weights
    else if (a.type === 'resetCounts') epoch++
    else if (a.type === 'notify') events.push({ event: a.event, reason: a.reason })
    else if (a.type === 'needsApproval') needsApproval = true
  }
  const next: ModelState = { ...current, rollout: { ...doc, state: t.state, epoch } }
  if (weights !== undefined) next.weights = weights
  return { next, events, needsApproval }
}

export function payloadOf (doc: RolloutDoc, event: WebhookPayload['event'], reason: string, now: number): WebhookPayload {
  const weights = machine.weightsAt(doc.spec, doc.state, doc.state.stepIndex)
  return {
    event, model: doc.spec.model, candidate: doc.spec.candidate, baseline: doc.spec.baseline, status: doc.state.status,
    step: doc.state.status === 'rolled_back' || doc.state.status === 'aborted' ? doc.state.preRolloutWeights[doc.spec.candidate] ?? 0 : weights[doc.spec.candidate] ?? 0,
    reason, at: new Date(now).toISOString()
  }
}

const count = { margin: z.number(), floor: z.number(), minSamples: z.number() }
const Gates = z.object({
  alpha: z.number(),
  errors: z.object(count).partial().strict(),
  latency: z.object({ ...count, sloMs: z.number() }).partial().strict(),
  predictions: z.object({ agreementFloor: z.number(), minPairs: z.number() }).strict(),
  drift: z.object({ jsMax: z.number(), minSamples: z.number() }).strict(),
  srm: z.object({ pValue: z.number() }).partial().strict()
}).partial().strict()

const Body = z.object({
  to: z.string().min(1).optional(),
  candidate: z.string().min(1).optional(),
  baseline: z.string().min(1).optional(),
  steps: z.array(z.number()).optional(),
  stepTimeMs: z.number().optional(),
  maxStepTimeMs: z.number().optional(),
  onMaxStepTime: z.enum(['pause', 'rollback']).optional(),
  approval: z.enum(['manual', 'webhook']).optional(),
  compare: z.number().optional(),
  gates: Gates.optional(),
  webhooks: z.array(z.string().url()).optional(),
  approvalWebhook: z.string().url().optional(),
  reason: z.string().optional()
}).strict()

export interface ServiceDeps {
  store: StateStore
  /** The config file's weights of a model (undefined: no such model). */
  fileWeights: (model: string) => Weights | undefined
  log: Logger
  webhooks?: Webhooks
  /** Webhook URLs every rollout notifies, besides its own. */
  defaultWebhooks?: string[]
  now?: () => number
  /** Rollout ids; injectable for tests. */
  newId?: () => string
}

const PAST = { pause: 'paused', resume: 'resumed', abort: 'aborted', promote: 'promoted' } as const

export class RolloutService {
  readonly #d: ServiceDeps
  constructor (deps: ServiceDeps) { this.#d = deps }

  #now (): number { return (this.#d.now ?? Date.now)() }

  #announce (doc: RolloutDoc, events: Applied['events']): void {
    const urls = [...new Set([...(this.#d.defaultWebhooks ?? []), ...doc.webhooks.urls])]
    if (this.#d.webhooks === undefined || urls.length === 0) return
    for (const e of events) void this.#d.webhooks.notify(urls, payloadOf(doc, e.event, e.reason, this.#now()))
  }

  /**
   * Starts a rollout from the model's effective weights.
   * @throws HeadlinerError 404 unknown model, 400 bad spec (naming the field), 409 a rollout is under way
   */
  async start (model: string, body: unknown, actor: string): Promise<RolloutDoc> {
    const parsed = Body.safeParse(body ?? {}, { reportInput: true })
    if (!parsed.success) throw errors.badRequest('rollout', formatIssues(parsed.error.issues).join('; '))
    const b = parsed.data
    const candidate = b.to ?? b.candidate
    if (candidate === undefined) throw errors.badRequest('rollout to', 'name the candidate version ("to")')
    const fileWeights = this.#d.fileWeights(model)
    if (fileWeights === undefined) throw errors.unknownModel(model)
    const now = this.#now()
    const id = (this.#d.newId ?? (() => `${now.toString(36)}-${Math.random().toString(36).slice(2, 8)}`))()
    const result = await this.#d.store.update<Error>(model, (current) => {
      const running = readDoc(current)
      if (running !== undefined && (running.state.status === 'running' || running.state.status === 'paused')) {
        return new Refusal(errors.rolloutState(model, running.state.status, 'start again (abort it first)'))
      }
      const weights = { ...fileWeights, ...current?.weights }
      let spec: RolloutSpec
      try {
        spec = buildSpec({ ...b, model, candidate } as RolloutRequest, weights)
      } catch (err) {
        return new Refusal(err as Error)
      }
      const t = machine.start(spec, weights, now)
      const doc: RolloutDoc = { id, spec, state: t.state, epoch: 0, webhooks: { urls: b.webhooks ?? [], ...(b.approvalWebhook ? { approvalUrl: b.approvalWebhook } : {}) } }
      return applyTransition(current ?? {}, doc, { state: t.state, actions: t.actions.filter((a) => a.type !== 'resetCounts') }).next
    }, { actor, action: 'rollout.start', reason: b.reason ?? `rollout of ${candidate}` })
    if (!result.applied) throw result.refusal
    const doc = readDoc(result.state.models[model]) as RolloutDoc
    this.#announce(doc, [{ event: 'step', reason: doc.state.reason }])
    return doc
  }

  async #command (model: string, actor: string, command: 'pause' | 'resume' | 'abort' | 'promote', reason?: string): Promise<RolloutDoc> {
    const now = this.#now()
    let events: Applied['events'] = []
    const words = reason ?? `${PAST[command]} by ${actor}`
    const result = await this.#d.store.update<Error>(model, (current) => {
      const doc = readDoc(current)
      if (doc === undefined) return new Refusal(errors.rolloutState(model, 'not started', command))
      try {
        const t = command === 'resume' ? machine.resume(doc.spec, doc.state, now) : machine[command](doc.spec, doc.state, now, words)
        const applied = applyTransition(current ?? {}, doc, t)
        events = applied.events
        return applied.next
      } catch (err) {
        return new Refusal(err as Error)
      }
    }, { actor, action: `rollout.${command}`, reason: words })
    if (!result.applied) throw result.refusal
    const doc = readDoc(result.state.models[model]) as RolloutDoc
    this.#announce(doc, events)
    return doc
  }

  pause (model: string, actor: string, reason?: string): Promise<RolloutDoc> { return this.#command(model, actor, 'pause', reason) }
  resume (model: string, actor: string, reason?: string): Promise<RolloutDoc> { return this.#command(model, actor, 'resume', reason) }
  abort (model: string, actor: string, reason?: string): Promise<RolloutDoc> { return this.#command(model, actor, 'abort', reason) }
  promote (model: string, actor: string, reason?: string): Promise<RolloutDoc> { return this.#command(model, actor, 'promote', reason) }

  /** The model's rollout (the latest, finished or not), or undefined when it never had one. */
  async get (model: string): Promise<RolloutDoc | undefined> {
    if (this.#d.fileWeights(model) === undefined) throw errors.unknownModel(model)
    return readDoc((await this.#d.store.load()).models[model])
  }

  /** Why each step advanced, waited, paused or rolled back, in words; and any record replay does not reproduce. */
  async explain (model: string, all = false): Promise<{ text: string, mismatches: Mismatch[] }> {
    const doc = await this.get(model)
    if (doc === undefined) return { text: `model "${model}" has no rollout`, mismatches: [] }
    const text = `${explain(doc.spec, doc.state.records, { all })}\nnow: ${doc.state.status}: ${doc.state.reason}`
    return { text, mismatches: replay(doc.spec, doc.state.records) }
  }
}
