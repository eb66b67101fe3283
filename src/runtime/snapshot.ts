/**
 * The kernel's data: a snapshot is the config compiled together with its runtime layers (readiness,
 * weight and mirror overrides, ejections, previous upstreams held across a reload) into frozen
 * per-model routing tables and upstream targets.
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
  /**
   * Set while a reload's new URL is not ready yet: the file's target and its probe's readiness.
   * Meanwhile `target` and `readiness` are the previous upstream's, which keeps serving, and
   * `servingConfig` is that upstream's version config before the reload (its connection settings).
   */
  readonly next?: { readonly target: UpstreamTarget; readonly readiness: Readiness; readonly servingConfig: VersionConfig }
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
/**
 * A version's previous upstream, kept serving after a reload changed its URL until the new URL
 * answers ready: its config before the reload (its connection settings), target and readiness.
 */
export interface Held {
  readonly config: VersionConfig
  readonly target: UpstreamTarget
  readonly readiness: Readiness
}

/** Transforms by spec path, loaded before the config is swapped in. */
export type TransformTable = ReadonlyMap<string, Transform>

/** A serving version that also gets copies of another version's requests (a rollout's candidate of its baseline). */
export interface CompareMirror {
  readonly version: string
  /** Whose requests are copied. */
  readonly of: string
  /** Percent of those requests copied. */
  readonly percent: number
}

/** What the process learned or was told at run time, layered over the config file. */
export interface Layers {
  /** Readiness of each version's target in the file, by `versionKey(model, version)`; missing: not probed yet. */
  readonly readiness: ReadonlyMap<string, Readiness>
  /** Previous upstreams that serve until the file's new URL is ready, by `versionKey`. */
  readonly held: ReadonlyMap<string, Held>
  /** Runtime traffic weights (admin API, state store, rollout steps). */
  readonly weights: WeightOverrides
  /** Runtime mirror percents of shadow versions (admin API). */
  readonly mirrors: MirrorOverrides
  /** Versions taken out of rotation (outlier ejection), by `versionKey`; they route as not ready. */
  readonly ejected: ReadonlySet<string>
  /** Per model: a serving version mirrored with another's requests while a rollout runs (src/rollout/wiring.ts). */
  readonly compares: ReadonlyMap<string, CompareMirror>
  readonly transforms: TransformTable
}

export const EMPTY_LAYERS: Layers = Object.freeze({ readiness: new Map(), held: new Map(), weights: new Map(), mirrors: new Map(), ejected: new Set<string>(), compares: new Map(), transforms: new Map() })

export const UNPROBED: Readiness = Object.freeze({ ready: false, reason: 'not probed yet' })

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
      const key = versionKey(name, vname)
      const target = targetOf(v.url, v.upstreamModel ?? name)
      const readiness = layers.readiness.get(key) ?? UNPROBED
      const held = layers.held.get(key)
      const transform = v.transform === undefined ? undefined : layers.transforms.get(v.transform)
      const serving = held === undefined ? readiness : heldReadiness(held, v.url, readiness)
      versions.set(vname, Object.freeze({
        name: vname,
        config: v,
        isShadow: v.mirror !== undefined,
        transform,
        // Compiled here, once per snapshot: the request path only applies the permutation.
        tensorOrder: tensorOrder(featureOrder, transform, vname, serving.tensors?.input ?? transform?.input.name),
        ...(held === undefined
          ? { target, readiness }
          : { target: held.target, readiness: serving, next: Object.freeze({ target, readiness, servingConfig: held.config }) })
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
    })), layers.compares.get(name))
    models.set(name, Object.freeze({ name, config: model, table, versions, featureOrder }))
  }
  return Object.freeze({ config, models, loadedAt: now })
}

/** The previous upstream's readiness, its reason saying which upstream serves and why the new one does not yet. */
function heldReadiness (held: Held, url: string, readiness: Readiness): Readiness {
  if (!held.readiness.ready) return held.readiness
  return Object.freeze({ ...held.readiness, reason: `serving the previous upstream ${held.config.url} until ${url} is ready (${readiness.reason})` })
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
