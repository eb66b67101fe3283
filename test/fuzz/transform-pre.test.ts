import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { loadTransform } from '../../src/transform/load.js'
import { pre } from '../../src/transform/pre.js'
import { mutate, structuralOps } from './mutate.js'

// The pre-processing (pure) with mutated named-feature instances: it answers ok with a batch of the
// right size, or a caller fault with a message; it never throws. Seeded, 500 runs per spec.
const SONG = { danceability: 0.71, energy: 0.8, key: 5, loudness: -5.2, mode: 1, speechiness: 0.05, acousticness: 0.1, instrumentalness: 0, liveness: 0.12, valence: 0.6, tempo: 118, duration_ms: 201000 }
const specs = ['v1', 'v2', 'v3']

describe('fuzz: transform pre-processing', () => {
  for (const v of specs) {
    it(`${v}: mutated instances give a batch or a caller error, never a throw`, async () => {
      const t = await loadTransform(`models/hit-predictor/${v}/transform.yaml`)
      const valid = [SONG, { ...SONG, tempo: 170 }]
      const outcomes = { ok: 0, caller: 0 }
      fc.assert(fc.property(structuralOps, (ops) => {
        const instances = mutate(valid, ops)
        const r = pre(t, instances)
        if (r.ok) {
          outcomes.ok++
          return Array.isArray(instances) && r.batch.rows === instances.length && r.batch.data.length === r.batch.rows * r.batch.width && r.batch.data.every(Number.isFinite)
        }
        outcomes.caller++
        return r.fault === 'caller' && typeof r.error === 'string' && r.error.length > 0 && r.error.length < 4096
      }), { seed: 1408, numRuns: 500 })
      expect(outcomes.ok).toBeGreaterThan(0)
      expect(outcomes.caller).toBeGreaterThan(0)
    })
  }
})
