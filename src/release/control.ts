/**
 * Release control: the state store wired to the runtime. At start the store's state becomes the
 * runtime's override layers; every change another replica makes arrives by `store.watch` and is
 * applied the same way; admin writes go through `store.update` (validated inside the mutation, so a
 * retry after a conflict validates against what it will overwrite) with the audit entry in the same
 * write. Config reloads re-layer the overrides over the new file, drop the stale ones and audit the
 * change as actor `config`.
 */
import { createHash } from 'node:crypto'
import type { Logger } from 'pino'
import type { Config } from '../config/schema.js'
import { weightWriteProblems, mirrorProblems, type WeightProblem } from '../config/weights.js'
import { errors } from '../errors.js'
import type { Metrics } from '../metrics/metrics.js'
import { recordAdminChange, setStateStoreUp } from '../metrics/control-plane.js'
import type { Runtime } from '../runtime/runtime.js'
import { Refusal, type AuditEntry, type ModelState, type State, type StateStore, type StoreHealth } from '../state/index.js'
import { describeRouting, layeredVersions, layersOf, staleFields, withoutStale } from './layering.js'
import { rolloutOwnsWeights } from './ownership.js'

/**
 * Replicas reloading one file write one audit entry per change: the first to take the lease named
 * after the change writes it. The same change again within this window is recorded once.
 */
export const CONFIG_AUDIT_WINDOW_MS = 10_000

export type WriteRefusal = { kind: 'invalid'; problems: WeightProblem[] } | { kind: 'rollout' }

export interface ReleaseDeps {
  store: StateStore
  runtime: Runtime
  metrics: Metrics
  log: Logger
  /** This process's name in leases (one replica writes each config audit entry). */
  replica: string
  /** How often store health reaches `headliner_state_store_up`. Default 1000. */
  healthMs?: number
}

/** A write's answer: the model's effective versions after it, and the revision that holds it. */
export interface WriteResult { model: string; revision: number; versions: Record<string, { weight: number; mirror?: number }> }

export class ReleaseControl {
  #state: State = { revision: 0, models: {} }
  #unwatch: (() => void) | undefined
  #timer: NodeJS.Timeout | undefined
  readonly #d: ReleaseDeps

  constructor (deps: ReleaseDeps) { this.#d = deps }

  /** The last state applied (the store's, as this replica knows it). */
  get state (): State { return this.#state }

  health (): StoreHealth { return this.#d.store.health() }

  async start (): Promise<void> {
    this.#apply(await this.#d.store.load())
    this.#unwatch = this.#d.store.watch((s) => { this.#apply(s) })
    this.#reportHealth()
    this.#timer = setInterval(() => { this.#reportHealth() }, this.#d.healthMs ?? 1000).unref()
    await this.#reconcile(undefined)
  }

  /** After the runtime swapped in a new file: re-layer, drop stale overrides, audit changed weights (actor `config`). */
  async configChanged (previous: Config): Promise<void> {
    this.#apply(this.#state)
    await this.#reconcile(previous)
  }

  async setWeights (model: string, weights: Record<string, unknown>, actor: string, reason: string): Promise<WriteResult> {
    const file = this.#d.runtime.require(model).config
    return this.#write(model, actor, 'set-weights', reason, (current) => {
      if (rolloutOwnsWeights(current)) return new Refusal({ kind: 'rollout' })
      const clean = withoutStale(current, staleFields(model, file, current)) ?? {}
      const problems = weightWriteProblems(layeredVersions(file, clean), weights)
      if (problems.length > 0) return new Refusal({ kind: 'invalid', problems })
      return { ...clean, weights: { ...clean.weights, ...(weights as Record<string, number>) } }
    })
  }

  async setMirrors (model: string, mirrors: Record<string, unknown>, actor: string, reason: string): Promise<WriteResult> {
    const file = this.#d.runtime.require(model).config
    return this.#write(model, actor, 'set-mirrors', reason, (current) => {
      const clean = withoutStale(current, staleFields(model, file, current)) ?? {}
      const problems = mirrorProblems(layeredVersions(file, clean), mirrors)
      if (problems.length > 0) return new Refusal({ kind: 'invalid', problems })
      return { ...clean, mirrors: { ...clean.mirrors, ...(mirrors as Record<string, number>) } }
    })
  }

  /** Back to the file's weights and mirrors; a rollout's own record stays. */
  async resetOverrides (model: string, actor: string, reason: string): Promise<WriteResult> {
    this.#d.runtime.require(model)
    return this.#write(model, actor, 'reset-overrides', reason, (current) => {
      if (rolloutOwnsWeights(current)) return new Refusal({ kind: 'rollout' })
      return current?.rollout === undefined ? null : { rollout: current.rollout }
    })
  }

  async audit (query: { model?: string; limit: number }): Promise<AuditEntry[]> {
    try {
      return await this.#d.store.audit(query)
    } finally {
      this.#reportHealth()
    }
  }

  /** A state this process wrote through the same store by another path (the rollout driver and commands): the store does not echo it to its own watchers. */
  applyOwnWrite (state: State): void {
    this.#apply(state)
  }

  close (): void {
    this.#unwatch?.()
    clearInterval(this.#timer)
  }

  #reportHealth (): void {
    const h = this.#d.store.health()
    setStateStoreUp(this.#d.metrics, h.store, h.up)
  }

  #apply (state: State): void {
    if (state.revision < this.#state.revision && state.revision !== 0) return
    this.#state = state
    const l = layersOf(this.#d.runtime.snapshot.config, state)
    this.#d.runtime.setOverrides(l.weights, l.mirrors)
  }

  async #write (model: string, actor: string, action: string, reason: string, mutate: (current: ModelState | undefined) => ModelState | null | Refusal<WriteRefusal>): Promise<WriteResult> {
    let result
    try {
      result = await this.#d.store.update<WriteRefusal>(model, mutate, { actor, action, reason })
    } finally {
      this.#reportHealth()
    }
    if (!result.applied) {
      const r = result.refusal
      if (r.kind === 'rollout') throw errors.rolloutState(model, 'running', `take ${action} by hand (pause the rollout first)`)
      throw Object.assign(errors.badRequest(`models.${model}`, r.problems.map((p) => `${p.path.join('.')}: ${p.message}`).join('; ')), { problems: r.problems })
    }
    this.#apply(result.state)
    recordAdminChange(this.#d.metrics, action.replace('-', '_'), actor)
    return { model, revision: result.state.revision, versions: this.effective(model) }
  }

  /** A model's versions as they route now (weights of shadows are 0). */
  effective (model: string): WriteResult['versions'] {
    const m = this.#d.runtime.require(model)
    return Object.fromEntries(m.table.versions.map((v) => [v.name, { weight: v.weight, ...(v.mirror === undefined ? {} : { mirror: v.mirror }) }]))
  }

  /**
   * One audit entry per model whose effective routing the reload changed or whose overrides it made
   * stale. Every replica reloads the same file, so a lease named after the outcome lets one of them
   * write it; the stale fields are dropped in the same write (a mutation that finds nothing to drop
   * and nothing to say writes nothing).
   */
  async #reconcile (previous: Config | undefined): Promise<void> {
    const config = this.#d.runtime.snapshot.config
    for (const name of new Set([...Object.keys(config.models), ...Object.keys(this.#state.models)])) {
      const file = config.models[name]
      const before = previous?.models[name] === undefined ? undefined : describeRouting(layeredVersions(previous.models[name], withoutStale(this.#state.models[name], staleFields(name, previous.models[name], this.#state.models[name])) ?? undefined))
      const after = file === undefined ? undefined : describeRouting(layeredVersions(file, withoutStale(this.#state.models[name], staleFields(name, file, this.#state.models[name])) ?? undefined))
      const stale = staleFields(name, file, this.#state.models[name])
      const changed = previous !== undefined && before !== after && after !== undefined
      if (stale.length === 0 && !changed) continue
      const why = [
        ...(changed ? [`config reload: ${before ?? 'new model'} -> ${after}`] : []),
        ...stale.map((s) => `dropped ${s.field} override (${s.problems.join('; ')})`)
      ].join('; ')
      // Not the revision: replicas reload a moment apart, and one's entry bumps it before the next looks.
      const digest = createHash('sha256').update(JSON.stringify([name, before, after, stale])).digest('hex').slice(0, 16)
      try {
        if (!await this.#d.store.lease(`config-audit:${digest}`, this.#d.replica, CONFIG_AUDIT_WINDOW_MS)) continue
        const result = await this.#d.store.update(name, (current) => {
          const now = staleFields(name, file, current)
          if (now.length === 0 && !changed) return new Refusal('nothing to drop')
          return withoutStale(current, now)
        }, { actor: 'config', action: stale.length > 0 ? 'drop-overrides' : 'config-reload', reason: why })
        if (result.applied) this.#apply(result.state)
        this.#d.log.info({ model: name, reason: why }, 'config: overrides reconciled')
      } catch (err) {
        this.#d.log.warn({ model: name, err: (err as Error).message }, 'config: could not record the reload in the state store; stale overrides stay unapplied')
      } finally {
        this.#reportHealth()
      }
    }
  }
}
