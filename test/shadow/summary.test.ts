import { describe, it, expect } from 'vitest'
import type { Comparison, Measures } from '../../src/shadow/compare.js'
import { ShadowStats, nearestRank } from '../../src/shadow/summary.js'

const labels = { model: 'hit-predictor', primary: 'v1', shadow: 'v3' }
const measures = (js: number, rows = 1, top1Agreement = 1): Measures =>
  ({ rows, top1Agreement, topkOverlap: 1, k: 5, js, jsMax: js, maxAbsDelta: 0 })
const agree = (js = 0): Comparison => ({ outcome: 'agree', measures: measures(js) })
const ascending = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1)

describe('nearestRank', () => {
  it('returns the ceil(q·n)-th smallest value', () => {
    const sorted = [10, 20, 30, 40]
    expect(nearestRank(sorted, 0)).toBe(10)
    expect(nearestRank(sorted, 0.5)).toBe(20) // ceil(2) = 2nd
    expect(nearestRank(sorted, 0.75)).toBe(30) // ceil(3) = 3rd
    expect(nearestRank(sorted, 0.76)).toBe(40) // ceil(3.04) = 4th
    expect(nearestRank(sorted, 1)).toBe(40)
  })

  it('does not round a rank up through float error', () => {
    // 0.07 * 100 = 7.000000000000001 in binary floating point; the rank is still 7
    expect(nearestRank(ascending(100), 0.07)).toBe(7)
  })
})

describe('ShadowStats', () => {
  it('reports quantiles of a known sequence', () => {
    const stats = new ShadowStats(labels)
    // primary 1..100 ms, shadow 2..200 ms, recorded in a shuffled but fixed order
    const order = ascending(100).map(i => (i * 37) % 100 + 1)
    for (const ms of order) stats.record(agree(ms / 1000), ms, 2 * ms)
    const s = stats.snapshot()
    expect(s.latencyMs.primary).toEqual({ samples: 100, p50: 50, p90: 90, p99: 99, max: 100 })
    expect(s.latencyMs.shadow).toEqual({ samples: 100, p50: 100, p90: 180, p99: 198, max: 200 })
    expect(s.divergence).toEqual({ samples: 100, p50: 0.05, p90: 0.09, p99: 0.099, max: 0.1 })
  })

  it('computes quantiles over the last `window` samples only', () => {
    const stats = new ShadowStats({ ...labels, window: 10 })
    for (const ms of ascending(25)) stats.record(agree(), ms, undefined)
    // kept: 16..25; p50 = 5th = 20, p90 = 9th = 24, p99 = ceil(9.9) = 10th = 25
    const s = stats.snapshot()
    expect(s.latencyMs.primary).toEqual({ samples: 10, p50: 20, p90: 24, p99: 25, max: 25 })
    expect(s.total).toBe(25) // counts are totals, not windowed
  })

  it('counts outcomes and computes the agreement rate over decided comparisons', () => {
    const stats = new ShadowStats(labels)
    for (let i = 0; i < 3; i++) stats.record(agree(), 10, 12)
    stats.record({ outcome: 'disagree', measures: measures(0.4) }, 10, 12)
    stats.record({ outcome: 'shadow_error', error: 'timeout' }, 10, undefined)
    stats.record({ outcome: 'shadow_error', error: 'timeout' }, 10, undefined)
    stats.record({ outcome: 'primary_error', error: '502' }, 10, 12)
    stats.record({ outcome: 'incomparable', error: 'v3 reads another feature order' }, 10, 12)
    const s = stats.snapshot()
    expect(s.counts).toEqual({ agree: 3, disagree: 1, shadow_error: 2, primary_error: 1, incomparable: 1 })
    expect(s.total).toBe(8)
    expect(s.agreementRate).toBe(0.75) // 3 / (3 + 1); errors and incomparable copies do not count
    expect(s.incomparableReason).toBe('v3 reads another feature order')
    expect(s.latencyMs.shadow?.samples).toBe(6) // undefined shadow latencies are skipped
  })

  it('weights top-1 agreement by rows', () => {
    const stats = new ShadowStats(labels)
    stats.record({ outcome: 'disagree', measures: measures(0.1, 3, 2 / 3) }, 1, 1)
    stats.record(agree(), 1, 1)
    // (2 matching of 3) + (1 of 1) = 3 of 4 rows
    expect(stats.snapshot().top1Agreement).toBeCloseTo(0.75, 12)
  })

  it('summarises regression comparisons by relative error', () => {
    const stats = new ShadowStats(labels)
    stats.record({ outcome: 'agree', regression: { rows: 1, maxAbsError: 0, maxRelError: 1e-4, meanAbsError: 0 } }, 1, 1)
    stats.record({ outcome: 'disagree', regression: { rows: 1, maxAbsError: 1, maxRelError: 0.5, meanAbsError: 1 } }, 1, 1)
    const s = stats.snapshot()
    expect(s.relError).toEqual({ samples: 2, p50: 1e-4, p90: 0.5, p99: 0.5, max: 0.5 })
    expect(s.divergence).toBeNull()
    expect(s.top1Agreement).toBeNull()
  })

  it('starts with nulls, skips invalid latencies, and snapshots plain JSON', () => {
    const stats = new ShadowStats(labels)
    const empty = stats.snapshot()
    expect(empty).toEqual({
      ...labels, window: 1024, total: 0,
      counts: { agree: 0, disagree: 0, shadow_error: 0, primary_error: 0, incomparable: 0 },
      incomparableReason: null,
      agreementRate: null, top1Agreement: null, divergence: null, relError: null,
      latencyMs: { primary: null, shadow: null }
    })
    stats.record(agree(), NaN, -1)
    const s = stats.snapshot()
    expect(s.latencyMs).toEqual({ primary: null, shadow: null })
    expect(JSON.parse(JSON.stringify(s))).toEqual(s)
    // the snapshot is a copy: later records do not change it
    stats.record(agree(), 5, 5)
    expect(s.counts.agree).toBe(1)
  })

  it('rejects a bad window', () => {
    expect(() => new ShadowStats({ ...labels, window: 0 })).toThrow(/window must be an integer >= 1, got 0/)
  })
})
