/**
 * The holder of the live snapshot and its layers. Every change (config reload, readiness flip,
 * runtime weights or mirrors, ejections) recompiles a snapshot and swaps the reference, so a request
 * in flight keeps the snapshot it started with. Listeners (metric gauges, observers, pools) hear
 * each swap; the holder itself has no side effect beyond the swap.
 */
import type { Config, VersionConfig } from '../config/schema.js'
import { errors } from '../errors.js'
import { compileSnapshot, versionKey, type CompareMirror, type Held, type Layers, type MirrorOverrides, type ModelRuntime, type Readiness, type Snapshot, type TransformTable, type WeightOverrides } from './snapshot.js'

export class Runtime {
  #snapshot: Snapshot
  #layers: Layers
  readonly #now: () => number
  readonly #listeners = new Set<(s: Snapshot) => void>()

  constructor (config: Config, transforms: TransformTable = new Map(), now: () => number = Date.now) {
    this.#now = now
    this.#layers = Object.freeze({ readiness: new Map(), held: new Map(), weights: new Map(), mirrors: new Map(), ejected: new Set<string>(), compares: new Map(), transforms })
    this.#snapshot = compileSnapshot(config, this.#layers, now())
  }

  get snapshot (): Snapshot { return this.#snapshot }

  get layers (): Layers { return this.#layers }

  model (name: string): ModelRuntime | undefined { return this.#snapshot.models.get(name) }

  /** The model, or a 404 `unknown model` error for the caller. */
  require (name: string): ModelRuntime {
    const m = this.#snapshot.models.get(name)
    if (m === undefined) throw errors.unknownModel(name)
    return m
  }

  /**
   * Swap in a new (already validated) config. Readiness of versions that keep their target carries
   * over. A version whose URL changed keeps serving from the upstream that serves it now (when that
   * one is ready) until the new URL answers ready: `held` until `setReadiness` says so.
   */
  applyConfig (config: Config, transforms: TransformTable = this.#layers.transforms): void {
    const old = this.#snapshot
    const readiness = new Map<string, Readiness>()
    const held = new Map<string, Held>()
    for (const [m, model] of Object.entries(config.models)) {
      for (const [v, after] of Object.entries(model.versions)) {
        const key = versionKey(m, v)
        const before = old.models.get(m)?.versions.get(v)
        // A new version, or a new transform, is probed (and contract-checked) before it serves.
        if (before === undefined || after.transform !== before.config.transform) continue
        const kept = this.#layers.readiness.get(key)
        const holding = this.#layers.held.get(key)
        if (sameTarget(m, after, before.config)) {
          if (kept !== undefined) readiness.set(key, kept)
          if (holding !== undefined) held.set(key, holding)
          continue
        }
        const serving = holding ?? (kept === undefined ? undefined : { config: before.config, target: before.target, readiness: kept })
        if (serving?.readiness.ready !== true) continue
        // Moved back to the upstream that serves: nothing to wait for.
        if (sameTarget(m, after, serving.config)) readiness.set(key, serving.readiness)
        else held.set(key, serving)
      }
    }
    this.#update(config, { readiness, held, transforms })
  }

  /** Readiness of the version's target in the file; a ready one takes over from a held previous upstream. */
  setReadiness (model: string, version: string, readiness: Readiness): void {
    const key = versionKey(model, version)
    const switching = readiness.ready && this.#layers.held.has(key)
    if (!switching && sameReadiness(this.#layers.readiness.get(key), readiness)) return
    const next = new Map(this.#layers.readiness)
    next.set(key, Object.freeze({ ...readiness }))
    if (!switching) {
      this.#update(this.#snapshot.config, { readiness: next })
      return
    }
    const held = new Map(this.#layers.held)
    held.delete(key)
    this.#update(this.#snapshot.config, { readiness: next, held })
  }

  /** Readiness of a held previous upstream (it is probed too: one that fails stops serving). No-op when none is held. */
  setHeldReadiness (model: string, version: string, readiness: Readiness): void {
    const key = versionKey(model, version)
    const holding = this.#layers.held.get(key)
    if (holding === undefined || sameReadiness(holding.readiness, readiness)) return
    const held = new Map(this.#layers.held)
    held.set(key, Object.freeze({ ...holding, readiness: Object.freeze({ ...readiness }) }))
    this.#update(this.#snapshot.config, { held })
  }

  /** Runtime weight overrides (from the state store or the admin API), layered over the file's weights. */
  setWeights (weights: WeightOverrides): void {
    this.#update(this.#snapshot.config, { weights })
  }

  /** Runtime mirror percents of shadow versions, layered over the file's `mirror`. */
  setMirrors (mirrors: MirrorOverrides): void {
    this.#update(this.#snapshot.config, { mirrors })
  }

  /** Both override layers in one swap (the state store's state), so no snapshot has one without the other. */
  setOverrides (weights: WeightOverrides, mirrors: MirrorOverrides): void {
    this.#update(this.#snapshot.config, { weights, mirrors })
  }

  /** Versions taken out of rotation (by `versionKey`); they route like unready versions until restored. */
  setEjected (ejected: ReadonlySet<string>): void {
    this.#update(this.#snapshot.config, { ejected })
  }

  /** The model's serving version that also gets copies of another's requests (undefined: none). */
  setCompare (model: string, compare: CompareMirror | undefined): void {
    const current = this.#layers.compares.get(model)
    if (current?.version === compare?.version && current?.of === compare?.of && current?.percent === compare?.percent) return
    const compares = new Map(this.#layers.compares)
    if (compare === undefined) compares.delete(model)
    else compares.set(model, Object.freeze({ ...compare }))
    this.#update(this.#snapshot.config, { compares })
  }

  onSwap (listener: (s: Snapshot) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  #update (config: Config, change: Partial<Layers>): void {
    this.#layers = Object.freeze({ ...this.#layers, ...change })
    this.#snapshot = compileSnapshot(config, this.#layers, this.#now())
    for (const listener of this.#listeners) listener(this.#snapshot)
  }
}

/** The same upstream model at the same URL. */
function sameTarget (model: string, a: VersionConfig, b: VersionConfig): boolean {
  return a.url === b.url && (a.upstreamModel ?? model) === (b.upstreamModel ?? model)
}

function sameReadiness (a: Readiness | undefined, b: Readiness): boolean {
  return a?.ready === b.ready && a.reason === b.reason && JSON.stringify([a.metadata, a.tensors]) === JSON.stringify([b.metadata, b.tensors])
}

export type { ModelRuntime, VersionRuntime, Snapshot, Readiness, WeightOverrides, MirrorOverrides, CompareMirror } from './snapshot.js'
