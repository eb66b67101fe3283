/**
 * Pick the version that answers a request. Pure: the table, the request's routing inputs and a
 * random number in [0, 1) go in; a decision comes out. Precedence: pinned path > version header >
 * sticky key > weights. The header reaches serving versions only unless shadows are allowed (a path
 * pin reaches any version). An explicit choice (pinned, header) never falls back; a weighted or sticky
 * choice whose version is not ready falls back to the ready versions in proportion to their weights.
 */
import { fmix32, hash32, unitInterval } from './hash.js'
import type { ModelTable, RouteReason, RoutedVersion } from './table.js'

export interface RouteInput {
  /** Version named in the URL (`/versions/{v}/infer`). */
  pinned?: string | undefined
  /** Version named in the model's version header. */
  header?: string | undefined
  /** Value of the sticky header. */
  stickyKey?: string | undefined
  /** Which versions the header may name: `serving` (default) or `all` (shadows too). A shadow the header may not name is an unknown version: callers learn nothing of it. */
  headerReach?: 'serving' | 'all'
}

export type Decision =
  | { ok: true; version: RoutedVersion; route: RouteReason }
  | { ok: false; reason: 'unknown_version'; version: string }
  | { ok: false; reason: 'not_ready'; version: string }
  | { ok: false; reason: 'no_ready_version' }

export function pickVersion (table: ModelTable, input: RouteInput, random: number): Decision {
  const explicit = input.pinned ?? input.header
  if (explicit !== undefined) {
    const version = table.byName.get(explicit)
    const hidden = input.pinned === undefined && version?.mirror !== undefined && input.headerReach !== 'all'
    if (version === undefined || hidden) return { ok: false, reason: 'unknown_version', version: explicit }
    if (!version.ready) return { ok: false, reason: 'not_ready', version: explicit }
    return { ok: true, version, route: input.pinned !== undefined ? 'pinned' : 'header' }
  }
  if (input.stickyKey !== undefined && input.stickyKey !== '') {
    const keyHash = hash32(input.stickyKey, table.saltHash)
    const first = rendezvous(table.weighted, keyHash)
    if (first?.ready === true) return { ok: true, version: first, route: 'sticky' }
    const fallback = rendezvous(table.readyWeighted, keyHash)
    return fallback === undefined ? { ok: false, reason: 'no_ready_version' } : { ok: true, version: fallback, route: 'fallback' }
  }
  return pickWeighted(table, random)
}

/** Weighted choice by cumulative weights; an unready pick reuses its position inside its interval. */
export function pickWeighted (table: ModelTable, random: number): Decision {
  const { weighted, cumulative } = table
  if (weighted.length === 0) return { ok: false, reason: 'no_ready_version' }
  const total = cumulative[cumulative.length - 1]!
  const point = random * total
  const i = search(cumulative, point)
  const version = weighted[i]!
  if (version.ready) return { ok: true, version, route: 'weight' }
  const { readyWeighted, readyCumulative } = table
  if (readyWeighted.length === 0) return { ok: false, reason: 'no_ready_version' }
  // Where inside the unready version's interval the point fell is itself uniform in [0, 1).
  const start = i === 0 ? 0 : cumulative[i - 1]!
  const within = (point - start) / version.weight
  const readyTotal = readyCumulative[readyCumulative.length - 1]!
  return { ok: true, version: readyWeighted[search(readyCumulative, within * readyTotal)]!, route: 'fallback' }
}

/** First index whose cumulative weight is greater than point (binary search; tables are tiny). */
function search (cumulative: Float64Array, point: number): number {
  let lo = 0
  let hi = cumulative.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (point < cumulative[mid]!) hi = mid
    else lo = mid + 1
  }
  return lo
}

/**
 * Weighted rendezvous hashing: each version scores weight / -ln(u(key, version)) and the highest
 * wins. Shares equal the weights; a weight change moves only keys to or from the changed versions,
 * and an unready version's keys spread over the rest in proportion to their weights.
 */
export function rendezvous (versions: readonly RoutedVersion[], keyHash: number): RoutedVersion | undefined {
  let best: RoutedVersion | undefined
  let bestScore = -1
  for (const v of versions) {
    const u = unitInterval(fmix32(keyHash ^ v.seed))
    const score = v.weight / -Math.log(u)
    if (score > bestScore) {
      bestScore = score
      best = v
    }
  }
  return best
}

/** Whether request number n (a counter or a hash) is mirrored at `percent` (0-100). */
export function shouldMirror (percent: number, random: number): boolean {
  return random * 100 < percent
}
