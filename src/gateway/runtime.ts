/**
 * The gateway's live state: the compiled snapshot of the config (routing tables, upstream targets,
 * transforms) plus each version's readiness. A snapshot is immutable; every
 * change (config reload, readiness flip, runtime weights) builds a new one and swaps the reference,
 * so a request in flight keeps the snapshot it started with.
 */
import type { Config, ModelConfig, VersionConfig } from '../config/schema.js'
import { errors } from '../errors.js'
import type { Metrics } from '../metrics/metrics.js'
import { zeroSeries } from '../metrics/zero.js'
import { buildModelTable, type ModelTable, type RouteReason } from '../routing/table.js'
import { targetOf, type UpstreamTarget } from '../proxy/upstreams.js'
import type { Transform } from '../transform/types.js'
import type { TransformTable } from '../transform/registry.js'

export interface Readiness {
  ready: boolean
  reason: string
  /** The upstream's last OIP model metadata, when it answered. */
  metadata?: unknown
  /** Tensor names to use with this upstream, from the transform contract check. */
  tensors?: { input: string; output: string }
}

export interface VersionRuntime {
  readonly name: string
  readonly config: VersionConfig
  readonly target: UpstreamTarget
  readonly readiness: Readiness
  readonly isShadow: boolean
  /** The version's own pre/post-processing, when its config names one. */
  readonly transform: Transform | undefined
}

export interface ModelRuntime {
  readonly name: string
  readonly config: ModelConfig
  readonly table: ModelTable
  readonly versions: ReadonlyMap<string, VersionRuntime>
}

export interface Snapshot {
  readonly config: Config
  readonly models: ReadonlyMap<string, ModelRuntime>
  readonly loadedAt: number
}

export type WeightOverrides = ReadonlyMap<string, ReadonlyMap<string, number>>

const UNPROBED: Readiness = Object.freeze({ ready: false, reason: 'not probed yet' })

export class Runtime {
  #snapshot: Snapshot
  #readiness = new Map<string, Readiness>()
  #weights: WeightOverrides = new Map()
  #transforms: TransformTable
  readonly #metrics: Metrics
  readonly #listeners = new Set<(s: Snapshot) => void>()

  constructor (config: Config, metrics: Metrics, transforms: TransformTable = new Map()) {
    this.#metrics = metrics
    this.#transforms = transforms
    zeroSeries(metrics, config)
    this.#snapshot = this.#compile(config)
  }

  get snapshot (): Snapshot { return this.#snapshot }

  model (name: string): ModelRuntime | undefined { return this.#snapshot.models.get(name) }

  /** The model, or a 404 `unknown model` error for the caller. */
  require (name: string): ModelRuntime {
    const m = this.#snapshot.models.get(name)
    if (m === undefined) throw errors.unknownModel(name)
    return m
  }

  /** Swap in a new (already validated) config. Readiness of versions that keep their URL carries over. */
  applyConfig (config: Config, transforms: TransformTable = this.#transforms): void {
    this.#transforms = transforms
    const old = this.#snapshot.config
    for (const [key] of this.#readiness) {
      const [m, v] = splitKey(key)
      const before = old.models[m]?.versions[v]
      const after = config.models[m]?.versions[v]
      // A new URL or a new transform must be probed (and contract-checked) again before it serves.
      if (after?.url !== before?.url || after?.transform !== before?.transform) this.#readiness.delete(key)
    }
    // The series a config implies exist from its load on; readiness flips need not repeat this.
    zeroSeries(this.#metrics, config)
    this.#swap(this.#compile(config))
  }

  setReadiness (model: string, version: string, readiness: Readiness): void {
    const key = `${model}\u0000${version}`
    const prev = this.#readiness.get(key)
    if (prev?.ready === readiness.ready && prev.reason === readiness.reason && JSON.stringify([prev.metadata, prev.tensors]) === JSON.stringify([readiness.metadata, readiness.tensors])) return
    this.#readiness.set(key, Object.freeze({ ...readiness }))
    this.#swap(this.#compile(this.#snapshot.config))
  }

  /** Runtime weight overrides (from the state store), layered over the file's weights. */
  setWeights (weights: WeightOverrides): void {
    this.#weights = weights
    this.#swap(this.#compile(this.#snapshot.config))
  }

  onSwap (listener: (s: Snapshot) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  #swap (next: Snapshot): void {
    this.#snapshot = next
    for (const listener of this.#listeners) listener(next)
  }

  #compile (config: Config): Snapshot {
    const models = new Map<string, ModelRuntime>()
    this.#metrics.routeWeight.reset()
    this.#metrics.versionReady.reset()
    for (const [name, model] of Object.entries(config.models)) {
      const versions = new Map<string, VersionRuntime>()
      const overrides = this.#weights.get(name)
      for (const [vname, v] of Object.entries(model.versions)) {
        versions.set(vname, Object.freeze({
          name: vname,
          config: v,
          target: targetOf(v.url, v.upstreamModel ?? name),
          readiness: this.#readiness.get(`${name}\u0000${vname}`) ?? UNPROBED,
          isShadow: v.mirror !== undefined,
          transform: v.transform === undefined ? undefined : this.#transforms.get(v.transform)
        }))
      }
      const table = buildModelTable(name, model.salt ?? name, [...versions.values()].map((v) => ({
        name: v.name,
        weight: overrides?.get(v.name) ?? v.config.weight,
        mirror: v.config.mirror,
        ready: v.readiness.ready
      })))
      // The gauges show what the table routes by (a shadow's weight is 0 there, whatever the file says).
      for (const v of table.versions) {
        this.#metrics.routeWeight.labels(name, v.name).set(v.weight)
        this.#metrics.versionReady.labels(name, v.name).set(v.ready ? 1 : 0)
      }
      models.set(name, Object.freeze({ name, config: model, table, versions }))
    }
    return Object.freeze({ config, models, loadedAt: Date.now() })
  }
}

function splitKey (key: string): [string, string] {
  const i = key.indexOf('\u0000')
  return [key.slice(0, i), key.slice(i + 1)]
}

export type { RouteReason }
