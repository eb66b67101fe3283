/**
 * The routing table: a config compiled into frozen, precomputed data (cumulative weights, hash seeds,
 * name lookups) so the hot path only looks things up. A new table is built whenever the config, the
 * runtime weights or a version's readiness change, and swapped in by one reference assignment.
 */
import { hash32 } from './hash.js'

export type RouteReason = 'weight' | 'sticky' | 'pinned' | 'header' | 'fallback'

export interface VersionInput {
  name: string
  weight: number
  /** Percent of traffic copied to this version when it is a shadow; undefined when it serves. */
  mirror?: number
  ready: boolean
}

export interface RoutedVersion {
  readonly name: string
  readonly index: number
  readonly weight: number
  readonly mirror: number | undefined
  readonly ready: boolean
  /** Per-version seed of the sticky (rendezvous) hash. */
  readonly seed: number
  /** In `shadows` only: a serving version mirrored with this version's requests alone (a rollout's comparison). */
  readonly mirrorOf?: string
}

export interface ModelTable {
  readonly model: string
  readonly saltHash: number
  readonly versions: readonly RoutedVersion[]
  readonly byName: ReadonlyMap<string, RoutedVersion>
  /** Serving versions with weight > 0, and their cumulative weights (last = total). */
  readonly weighted: readonly RoutedVersion[]
  readonly cumulative: Float64Array
  /** The same over ready versions only: where traffic of an unready version falls back. */
  readonly readyWeighted: readonly RoutedVersion[]
  readonly readyCumulative: Float64Array
  readonly shadows: readonly RoutedVersion[]
}

/**
 * Compile one model's versions into a table. `compare` adds a serving version to `shadows` as well
 * (keeping its weight), copied `percent` of the requests answered by `of` only.
 * @example buildModelTable('hit-predictor', 'hit-predictor', [{ name: 'v1', weight: 90, ready: true }, { name: 'v2', weight: 10, ready: true }])
 */
export function buildModelTable (model: string, salt: string, inputs: readonly VersionInput[], compare?: { version: string, of: string, percent: number }): ModelTable {
  const versions = inputs.map((v, index): RoutedVersion => Object.freeze({
    name: v.name,
    index,
    weight: v.mirror === undefined ? v.weight : 0,
    mirror: v.mirror,
    ready: v.ready,
    seed: hash32(v.name)
  }))
  const weighted = versions.filter((v) => v.mirror === undefined && v.weight > 0)
  const readyWeighted = weighted.filter((v) => v.ready)
  return Object.freeze({
    model,
    saltHash: hash32(salt),
    versions: Object.freeze(versions),
    byName: new Map(versions.map((v) => [v.name, v])),
    weighted: Object.freeze(weighted),
    cumulative: cumulate(weighted),
    readyWeighted: Object.freeze(readyWeighted),
    readyCumulative: cumulate(readyWeighted),
    shadows: Object.freeze([...versions.filter((v) => v.mirror !== undefined && v.mirror > 0), ...compared(versions, compare)])
  })
}

/** The compared serving version as a shadow entry of its own, when both versions serve and the percent is above 0. */
function compared (versions: readonly RoutedVersion[], c: { version: string, of: string, percent: number } | undefined): RoutedVersion[] {
  const v = c === undefined ? undefined : versions.find((x) => x.name === c.version && x.mirror === undefined)
  const of = c === undefined ? undefined : versions.find((x) => x.name === c.of && x.mirror === undefined)
  if (c === undefined || v === undefined || of === undefined || c.version === c.of || !(c.percent > 0)) return []
  return [Object.freeze({ ...v, mirror: c.percent, mirrorOf: c.of })]
}

function cumulate (versions: readonly RoutedVersion[]): Float64Array {
  const out = new Float64Array(versions.length)
  let sum = 0
  for (let i = 0; i < versions.length; i++) {
    sum += versions[i]!.weight
    out[i] = sum
  }
  return out
}
