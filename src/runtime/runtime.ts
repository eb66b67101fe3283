/**
 * The holder of the live snapshot and its layers. Every change (config reload, readiness flip,
 * runtime weights or mirrors, ejections) recompiles a snapshot and swaps the reference, so a request
 * in flight keeps the snapshot it started with. Listeners (metric gauges, observers, pools) hear
 * each swap; the holder itself has no side effect beyond the swap.
 */
import type { Config } from '../config/schema.js'
import { errors } from '../errors.js'
import { compileSnapshot, versionKey, type CompareMirror, type Layers, type MirrorOverrides, type ModelRuntime, type Readiness, type Snapshot, type TransformTable, type WeightOverrides } from './snapshot.js'

export class Runtime {
  #snapshot: Snapshot
  #layers: Layers
  readonly #now: () => number
  readonly #listeners = new Set<(s: Snapshot) => void>()

  constructor (config: Config, transforms: TransformTable = new Map(), now: () => number = Date.now) {
    this.#now = now
    this.#layers = Object.freeze({ readiness: new Map(), weights: new Map(), mirrors: new Map(), ejected: new Set<string>(), compares: new Map(), transforms })
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

  /** Swap in a new (already validated) config. Readiness of versions that keep their URL carries over. */
  applyConfig (config: Config, transforms: TransformTable = this.#layers.transforms): void {
    const old = this.#snapshot.config
    const readiness = new Map<string, Readiness>()
    for (const [m, model] of Object.entries(config.models)) {
      for (const [v, after] of Object.entries(model.versions)) {
        const key = versionKey(m, v)
        const kept = this.#layers.readiness.get(key)
        const before = old.models[m]?.versions[v]
        // A new URL or a new transform must be probed (and contract-checked) again before it serves.
        if (kept !== undefined && after.url === before?.url && after.transform === before.transform) readiness.set(key, kept)
      }
    }
    this.#update(config, { readiness, transforms })
  }

  setReadiness (model: string, version: string, readiness: Readiness): void {
    const key = versionKey(model, version)
    const prev = this.#layers.readiness.get(key)
    if (prev?.ready === readiness.ready && prev.reason === readiness.reason && JSON.stringify([prev.metadata, prev.tensors]) === JSON.stringify([readiness.metadata, readiness.tensors])) return
    const next = new Map(this.#layers.readiness)
    next.set(key, Object.freeze({ ...readiness }))
    this.#update(this.#snapshot.config, { readiness: next })
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

export type { ModelRuntime, VersionRuntime, Snapshot, Readiness, WeightOverrides, MirrorOverrides, CompareMirror } from './snapshot.js'
