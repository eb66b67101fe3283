import { FEATURES } from './features.js'

/**
 * Synthetic songs for the demo: plausible Spotify-style audio features, generated from a seeded
 * PRNG so every run (and every test) sees the same songs.
 */

/** Audio features of one song, in the units Spotify's API uses. */
export interface Song {
  danceability: number
  energy: number
  key: number
  loudness: number
  mode: number
  speechiness: number
  acousticness: number
  instrumentalness: number
  liveness: number
  valence: number
  tempo: number
  duration_ms: number
}

/**
 * mulberry32: a tiny, fast 32-bit PRNG, good enough for simulation and fully deterministic.
 * Returns a function yielding floats in [0, 1).
 *
 * @example
 * const random = mulberry32(42)
 * random() // always the same first number for seed 42
 */
export function mulberry32 (seed: number): () => number {
  let state = seed | 0
  return () => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Standard normal by Box-Muller; always consumes exactly two draws so sequences stay aligned. */
export function normal (random: () => number): number {
  const u = 1 - random() // (0, 1]: log(0) would be -Infinity
  const v = random()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
}

function clamp (x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x
}

/**
 * One synthetic song. Marginals imitate the public Spotify audio-features data: danceability and
 * energy roughly normal around 0.6, speechiness and liveness small with a long tail, most songs
 * almost purely non-instrumental, loudness tied to energy, tempo around 120 BPM, about 3.5 minutes.
 *
 * `drift` in [0, 1] (default 0) moves the population the way charts have moved: more danceable and
 * energetic, more rap (speechiness), less acoustic, faster and shorter. At drift 0.5 danceability
 * rises by 0.1 (~0.7 sd), tempo by 15 BPM (~0.55 sd) and songs get ~15% shorter, which a drift
 * detector on binned features flags clearly.
 *
 * Every call consumes exactly 20 draws from `random`, whatever the drift.
 */
export function generateSong (random: () => number, drift = 0): Song {
  if (!Number.isFinite(drift) || drift < 0 || drift > 1) {
    throw new RangeError(`generateSong: drift must be in [0, 1], got ${drift}`)
  }
  const d = drift
  const danceability = clamp(0.6 + 0.2 * d + 0.15 * normal(random), 0, 1)
  const energy = clamp(0.62 + 0.2 * d + 0.18 * normal(random), 0, 1)
  const key = Math.min(11, Math.floor(random() * 12))
  const mode = random() < 0.63 ? 1 : 0
  // Loud songs are energetic songs: loudness follows energy plus mastering noise.
  const loudness = clamp(-15 + 11 * energy + 2.5 * normal(random), -30, 0)
  // Exponential tails: most tracks are sung, not spoken, and studio recordings.
  const speechiness = clamp(0.025 - (0.06 + 0.08 * d) * Math.log(1 - random()), 0, 1)
  const acousticness = clamp(random() ** (2 + 2 * d), 0, 1)
  // Bimodal like the real data: four songs in five have vocals (near 0), the rest spread up to 1.
  const isInstrumental = random() >= 0.8
  const level = random()
  const instrumentalness = isInstrumental ? level : 0.02 * level * level
  const liveness = clamp(0.05 - 0.13 * Math.log(1 - random()), 0, 1)
  const valence = clamp((random() + random() + random()) / 3 + 0.05 * d, 0, 1)
  const tempo = clamp(120 + 30 * d + 27 * normal(random), 60, 200)
  const duration = Math.exp(Math.log(212_000 * (1 - 0.3 * d)) + 0.22 * normal(random))
  const duration_ms = Math.round(clamp(duration, 90_000, 420_000))
  return {
    danceability,
    energy,
    key,
    loudness,
    mode,
    speechiness,
    acousticness,
    instrumentalness,
    liveness,
    valence,
    tempo,
    duration_ms
  }
}

/**
 * The song as a row of numbers in `order` (default: the canonical FEATURES order of v1/v2).
 *
 * @throws Error when `order` names a feature a Song does not have.
 * @example
 * songToRow(song, V3_FEATURE_ORDER)[0] === song.tempo
 */
export function songToRow (song: Song, order: readonly string[] = FEATURES): number[] {
  const row = new Array<number>(order.length)
  for (let i = 0; i < order.length; i++) {
    const name = order[i] as string
    if (!Object.hasOwn(song, name)) throw new Error(`songToRow: order[${i}] names unknown feature "${name}"`)
    row[i] = song[name as keyof Song]
  }
  return row
}
