import { describe, it, expect } from 'vitest'
import { FEATURES, V3_FEATURE_ORDER } from '../../src/demo/features.js'
import { generateSong, mulberry32, normal, songToRow, type Song } from '../../src/demo/songs.js'

function songs (count: number, drift: number, seed = 11): Song[] {
  const random = mulberry32(seed)
  return Array.from({ length: count }, () => generateSong(random, drift))
}

function mean (values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length
}

function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

describe('mulberry32', () => {
  it('matches an independent implementation of the reference algorithm', () => {
    // Values computed with a Python port of mulberry32 (32-bit wrap-around arithmetic).
    const random = mulberry32(42)
    expect(random()).toBe(0.6011037519201636)
    expect(random()).toBe(0.44829055899754167)
    expect(random()).toBe(0.8524657934904099)
    const zero = mulberry32(0)
    expect(zero()).toBe(0.26642920868471265)
    expect(zero()).toBe(0.0003297457005828619)
  })

  it('stays in [0, 1) and has mean 1/2 (tolerance 0.01 over 20000 draws)', () => {
    const random = mulberry32(7)
    const draws = Array.from({ length: 20_000 }, random)
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...draws)).toBeLessThan(1)
    expect(Math.abs(mean(draws) - 0.5)).toBeLessThan(0.01)
  })
})

describe('normal', () => {
  it('has mean 0 and sd 1 (tolerance 0.03 over 20000 draws) and never returns non-finite values', () => {
    const random = mulberry32(3)
    const draws = Array.from({ length: 20_000 }, () => normal(random))
    const m = mean(draws)
    const sd = Math.sqrt(mean(draws.map((x) => (x - m) ** 2)))
    expect(Math.abs(m)).toBeLessThan(0.03)
    expect(Math.abs(sd - 1)).toBeLessThan(0.03)
    // The largest draw mulberry32 can return (1 - 2^-32) must not reach log(0).
    expect(Number.isFinite(normal(() => 1 - 2 ** -32))).toBe(true)
    expect(Math.abs(normal(() => 0))).toBe(0) // u = 1 - 0 = 1 -> log(1) = 0
  })
})

describe('generateSong', () => {
  const population = songs(5000, 0)

  it('is deterministic for a seed and consumes exactly 20 draws per song', () => {
    expect(songs(3, 0.3, 5)).toEqual(songs(3, 0.3, 5))
    let draws = 0
    const base = mulberry32(1)
    generateSong(() => { draws++; return base() }, 0.7)
    expect(draws).toBe(20)
  })

  it('keeps every feature in its realistic range', () => {
    for (const song of [...population, ...songs(2000, 1)]) {
      for (const name of ['danceability', 'energy', 'speechiness', 'acousticness', 'instrumentalness', 'liveness', 'valence'] as const) {
        expect(song[name]).toBeGreaterThanOrEqual(0)
        expect(song[name]).toBeLessThanOrEqual(1)
      }
      expect(Number.isInteger(song.key) && song.key >= 0 && song.key <= 11).toBe(true)
      expect([0, 1]).toContain(song.mode)
      expect(song.loudness).toBeGreaterThanOrEqual(-30)
      expect(song.loudness).toBeLessThanOrEqual(0)
      expect(song.tempo).toBeGreaterThanOrEqual(60)
      expect(song.tempo).toBeLessThanOrEqual(200)
      expect(Number.isInteger(song.duration_ms)).toBe(true)
      expect(song.duration_ms).toBeGreaterThanOrEqual(90_000)
      expect(song.duration_ms).toBeLessThanOrEqual(420_000)
    }
  })

  it('has plausible, skewed marginals (tolerances in comments)', () => {
    expect(Math.abs(mean(population.map((s) => s.danceability)) - 0.6)).toBeLessThan(0.02)
    expect(Math.abs(mean(population.map((s) => s.tempo)) - 120)).toBeLessThan(2)
    // Mostly spoken-word-free: median speechiness well under 0.1, but a tail above 0.3.
    expect(median(population.map((s) => s.speechiness))).toBeLessThan(0.1)
    expect(population.some((s) => s.speechiness > 0.3)).toBe(true)
    // About 80% of songs have vocals (instrumentalness near 0); tolerance +-3 points.
    const vocal = population.filter((s) => s.instrumentalness < 0.05).length / population.length
    expect(vocal).toBeGreaterThan(0.77)
    expect(vocal).toBeLessThan(0.86)
    // Every key occurs; major mode is the majority (~63% +- 3 points).
    expect(new Set(population.map((s) => s.key)).size).toBe(12)
    expect(Math.abs(mean(population.map((s) => s.mode)) - 0.63)).toBeLessThan(0.03)
  })

  it('at drift 0.5 shifts the population noticeably (means over 5000 songs)', () => {
    const drifted = songs(5000, 0.5)
    const shift = (name: keyof Song): number => mean(drifted.map((s) => s[name])) - mean(population.map((s) => s[name]))
    expect(shift('danceability')).toBeGreaterThan(0.08) // designed +0.10
    expect(shift('energy')).toBeGreaterThan(0.08) // designed +0.10
    expect(shift('tempo')).toBeGreaterThan(12) // designed +15 BPM
    const durationRatio = mean(drifted.map((s) => s.duration_ms)) / mean(population.map((s) => s.duration_ms))
    expect(durationRatio).toBeLessThan(0.88) // designed 0.85
    expect(durationRatio).toBeGreaterThan(0.82)
  })

  it('defaults to drift 0 and refuses a drift outside [0, 1]', () => {
    expect(generateSong(mulberry32(9))).toEqual(generateSong(mulberry32(9), 0))
    expect(() => generateSong(mulberry32(9), 1.5)).toThrow(/drift must be in \[0, 1\], got 1.5/)
    expect(() => generateSong(mulberry32(9), Number.NaN)).toThrow(/drift/)
  })
})

describe('songToRow', () => {
  const song: Song = {
    danceability: 0.1, energy: 0.2, key: 3, loudness: -4, mode: 1, speechiness: 0.05, acousticness: 0.3,
    instrumentalness: 0.01, liveness: 0.12, valence: 0.7, tempo: 128, duration_ms: 200_000
  }

  it('lays out the canonical order by default', () => {
    expect(songToRow(song)).toEqual([0.1, 0.2, 3, -4, 1, 0.05, 0.3, 0.01, 0.12, 0.7, 128, 200_000])
    expect(FEATURES).toHaveLength(12)
  })

  it('follows another order when given, e.g. v3', () => {
    expect(songToRow(song, V3_FEATURE_ORDER)).toEqual([128, 200_000, 0.1, 0.2, 0.7, -4, 3, 1, 0.05, 0.3, 0.01, 0.12])
    expect([...V3_FEATURE_ORDER].sort()).toEqual([...FEATURES].sort())
  })

  it('names an unknown feature and its position', () => {
    expect(() => songToRow(song, ['tempo', 'bpm'])).toThrow('songToRow: order[1] names unknown feature "bpm"')
  })
})
