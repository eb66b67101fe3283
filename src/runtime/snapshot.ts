/**
 * The kernel's data: a snapshot is the config compiled together with its runtime layers (readiness,
 * weight and mirror overrides, ejections) into frozen per-model routing tables and upstream targets.
 * `compileSnapshot` is pure: the same config and layers give the same snapshot, with no side effect
 * (the metric gauges follow snapshots as a swap listener in src/metrics/runtime-gauges.ts).
 */
import type { Config, ModelConfig, VersionConfig } from '../config/schema.js'
import { buildModelTable, type ModelTable } from '../routing/table.js'
import { targetOf, type UpstreamTarget } from '../protocol/paths.js'
import type { Transform } from '../transform/types.js'
import { tensorOrder, type ModelOrder, type TensorOrder } from '../transform/order.js'

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
  /** How it reads a caller's raw tensor (in the model's order): as sent, re-ordered, or unknown. */
  readonly tensorOrder: TensorOrder
}

export interface ModelRuntime {
  readonly name: string
  readonly config: ModelConfig
  readonly table: ModelTable
  readonly versions: ReadonlyMap<string, VersionRuntime>
  /** The feature order of a caller's raw tensor; undefined when neither the config nor a spec gives one. */
  readonly featureOrder: ModelOrder | undefined
}

export interface Snapshot {
  readonly config: Config
  readonly models: ReadonlyMap<string, ModelRuntime>
  readonly loadedAt: number
}

/** Per model, per version: a number layered over the file's value. */
export type VersionOverrides = ReadonlyMap<string, ReadonlyMap<string, number>>
export type WeightOverrides = VersionOverrides
export type MirrorOverrides = VersionOverrides
/** Transforms by spec path, loaded before the config is swapped in. */
export type TransformTable = ReadonlyMap<string, Transform>

/** What the process learned or was told at run time, layered over the config file. */
export interface Layers {
  /** Readiness by `versionKey(model, version)`; a version missing here is not probed yet. */
  readonly readiness: ReadonlyMap<string, Readiness>
  /** Runtime traffic weights (admin API, state store, rollout steps). */
  readonly weights: WeightOverrides
  /** Runtime mirror percents of shadow versions (admin API). */
  readonly mirrors: MirrorOverrides
  /** Versions taken out of rotation (outlier ejection), by `versionKey`; they route as not ready. */
  readonly ejected: ReadonlySet<string>
  readonly transforms: TransformTable
}

export const EMPTY_LAYERS: Layers = Object.freeze({ readiness: new Map(), weights: new Map(), mirrors: new Map(), ejected: new Set<string>(), transforms: new Map() })

const UNPROBED: Readiness = Object.freeze({ ready: false, reason: 'not probed yet' })

/** The one key of a (model, version) pair in the layers' maps. */
export function versionKey (model: string, version: string): string {
  return `${model}\u0000${version}`
}

export function compileSnapshot (config: Config, layers: Layers, now: number): Snapshot {
  const models = new Map<string, ModelRuntime>()
  for (const [name, model] of Object.entries(config.models)) {
    const versions = new Map<string, VersionRuntime>()
    const featureOrder = modelOrder(model, layers.transforms)
    for (const [vname, v] of Object.entries(model.versions)) {
      const readiness = layers.readiness.get(versionKey(name, vname)) ?? UNPROBED
      const transform = v.transform === undefined ? undefined : layers.transforms.get(v.transform)
      versions.set(vname, Object.freeze({
        name: vname,
        config: v,
        target: targetOf(v.url, v.upstreamModel ?? name),
        readiness,
        isShadow: v.mirror !== undefined,
        transform,
        // Compiled here, once per snapshot: the request path only applies the permutation.
        tensorOrder: tensorOrder(featureOrder, transform, vname, readiness.tensors?.input ?? transform?.input.name)
      }))
    }
    const weights = layers.weights.get(name)
    const mirrors = layers.mirrors.get(name)
    const table = buildModelTable(name, model.salt ?? name, [...versions.values()].map((v) => ({
      name: v.name,
      weight: weights?.get(v.name) ?? v.config.weight,
      // A mirror override may make a version of weight 0 a shadow (the config rule allows it there).
      mirror: mirrors?.get(v.name) ?? v.config.mirror,
      ready: v.readiness.ready && !layers.ejected.has(versionKey(name, v.name))
    })))
    models.set(name, Object.freeze({ name, config: model, table, versions, featureOrder }))
  }
  return Object.freeze({ config, models, loadedAt: now })
}

/**
 * The feature order of the model's raw tensors: the config's `features`; else the spec of
 * `featuresFrom`, else of the first serving version (no `mirror`) in file order with a transform.
 * File order and `mirror` come from the file, so a weight change never changes the order.
 */
function modelOrder (model: ModelConfig, transforms: TransformTable): ModelOrder | undefined {
  if (model.features !== undefined) return Object.freeze({ features: Object.freeze([...model.features]), from: 'config' })
  const entries = Object.entries(model.versions)
  const source = model.featuresFrom !== undefined
    ? entries.find(([name]) => name === model.featuresFrom)
    : entries.find(([, v]) => v.mirror === undefined && v.transform !== undefined)
  const t = source?.[1].transform === undefined ? undefined : transforms.get(source[1].transform)
  return t === undefined ? undefined : Object.freeze({ features: t.features, from: source![0] })
}
