/**
 * Stable 32-bit hashing for sticky routing. The same key gives the same number on every replica and
 * across restarts (no per-process seed), the way OpenTelemetry's TraceIdRatioBasedSampler decides
 * from the trace id alone.
 */

/** FNV-1a over UTF-16 code units, then murmur3's finaliser so that every output bit avalanches. */
export function hash32 (text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return fmix32(h)
}

/** murmur3 fmix32: a bijection on 32-bit integers with full avalanche. */
export function fmix32 (x: number): number {
  let h = x >>> 0
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** Map a 32-bit hash to (0, 1), never 0 or 1, so that -ln(u) is finite and positive. */
export function unitInterval (h: number): number {
  return ((h >>> 0) + 0.5) / 4294967296
}
