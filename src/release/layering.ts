/**
 * The layering rule, pure: effective weights and mirrors = the config file's values, then the state
 * store's overrides. An override the file no longer supports (a version or model it no longer has,
 * weights that no longer sum to 100 with the file's other versions, a mirror on a version that now
 * serves) is stale: it is never applied, and the reconciler drops it from the store with an audit entry.
 * A stale field is dropped whole (all of a model's weight overrides, or all its mirror overrides):
 * keeping half of a weight override would give weights nobody wrote.
 */
import type { Config, ModelConfig } from '../config/schema.js'
import { mirrorProblems, weightProblems, type VersionWeight } from '../config/weights.js'
import type { MirrorOverrides, WeightOverrides } from '../runtime/runtime.js'
import type { ModelState, State } from '../state/index.js'

export type OverrideField = 'weights' | 'mirrors'

/** One field of one model's overrides the file no longer supports, and why (one line per problem). */
export interface StaleOverride {
  model: string
  field: OverrideField
  problems: string[]
}

/** The file's versions with `weights` and `mirrors` layered over them (absent: the file's value). */
export function layeredVersions (model: ModelConfig, overrides: Pick<ModelState, 'weights' | 'mirrors'> | undefined): Record<string, VersionWeight> {
  const out: Record<string, VersionWeight> = {}
  for (const [name, v] of Object.entries(model.versions)) {
    const mirror = overrides?.mirrors?.[name] ?? v.mirror
    out[name] = { weight: overrides?.weights?.[name] ?? v.weight, mirror }
  }
  return out
}

const unknownNames = (model: ModelConfig, values: Record<string, number>): string[] =>
  Object.keys(values).filter((v) => model.versions[v] === undefined).map((v) => `${v}: the file no longer has this version`)

/** The stale fields of one model's state against the file (none when the state has no overrides). */
export function staleFields (name: string, model: ModelConfig | undefined, state: ModelState | undefined): StaleOverride[] {
  const stale: StaleOverride[] = []
  for (const field of ['weights', 'mirrors'] as const) {
    const values = state?.[field]
    if (values === undefined) continue
    if (model === undefined) {
      stale.push({ model: name, field, problems: ['the file no longer has this model'] })
      continue
    }
    let problems = unknownNames(model, values)
    if (problems.length === 0) {
      problems = field === 'weights'
        ? weightProblems(layeredVersions(model, { weights: values, mirrors: state?.mirrors })).map((p) => `${p.path.join('.') || 'weights'}: ${p.message}`)
        : mirrorProblems(layeredVersions(model, { weights: state?.weights }), values).map((p) => `${p.path.join('.')}: ${p.message}`)
    }
    if (problems.length > 0) stale.push({ model: name, field, problems })
  }
  return stale
}

/** A model's state without its stale fields; null when nothing is left. */
export function withoutStale (state: ModelState | undefined, stale: readonly StaleOverride[]): ModelState | null {
  if (state === undefined) return null
  const next: ModelState = { ...state }
  for (const s of stale) delete next[s.field]
  return Object.keys(next).length === 0 ? null : next
}

export interface Layered {
  weights: WeightOverrides
  mirrors: MirrorOverrides
  stale: StaleOverride[]
}

/**
 * The runtime layers for a config and a store state: every model's valid overrides as maps, and the
 * stale ones (not in the maps).
 * @example layersOf(config, { revision: 3, models: { hit: { weights: { v1: 80, v2: 20 } } } }).weights.get('hit')
 * // Map { 'v1' => 80, 'v2' => 20 }
 */
export function layersOf (config: Config, state: State): Layered {
  const weights = new Map<string, ReadonlyMap<string, number>>()
  const mirrors = new Map<string, ReadonlyMap<string, number>>()
  const stale: StaleOverride[] = []
  for (const [name, ms] of Object.entries(state.models)) {
    const found = staleFields(name, config.models[name], ms)
    stale.push(...found)
    const bad = new Set(found.map((s) => s.field))
    if (ms.weights !== undefined && !bad.has('weights')) weights.set(name, new Map(Object.entries(ms.weights)))
    if (ms.mirrors !== undefined && !bad.has('mirrors')) mirrors.set(name, new Map(Object.entries(ms.mirrors)))
  }
  return { weights, mirrors, stale }
}

/** `v1=80,v2=20` of a model's routed weights (serving versions) and mirrors, for audit reasons and comparisons. */
export function describeRouting (versions: Readonly<Record<string, VersionWeight>>): string {
  const parts = Object.entries(versions).map(([v, w]) => (w.mirror === undefined ? `${v}=${w.weight}` : `${v}=mirror ${w.mirror}%`))
  return parts.join(',')
}
