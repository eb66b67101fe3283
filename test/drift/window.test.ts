import { describe, it, expect } from 'vitest'
import { DriftWindow } from '../../src/drift/window.js'
import { psi } from '../../src/drift/math.js'

function lcg (seed: number): () => number {
  let s = seed >>> 0
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 }
}

const noClock = (): number => { throw new Error('count windows must not read the clock') }

describe('DriftWindow, count kind', () => {
  it('keeps the last N observations of each feature', () => {
    const w = new DriftWindow([2, 3], { kind: 'count', size: 3 }, noClock)
    w.observe(0, 0); w.observe(0, 0); w.observe(0, 1)
    expect([...w.counts(0)]).toEqual([2, 1])
    expect(w.samples(0)).toBe(3)
    w.observe(0, 1) // the first 0 leaves
    expect([...w.counts(0)]).toEqual([1, 2])
    w.observe(0, 1); w.observe(0, 1) // both remaining 0s leave
    expect([...w.counts(0)]).toEqual([0, 3])
    expect(w.samples(0)).toBe(3)
    expect([...w.counts(1)]).toEqual([0, 0, 0]) // features are independent
  })

  it('reports the smallest per-feature sample count for the whole window', () => {
    const w = new DriftWindow([2, 2], { kind: 'count', size: 10 }, noClock)
    w.observe(0, 1); w.observe(0, 1); w.observe(1, 0)
    expect(w.samples()).toBe(1)
    expect(new DriftWindow([], { kind: 'count', size: 10 }, noClock).samples()).toBe(0)
  })

  it('matches a recount of the last N observations on a long random stream', () => {
    const rand = lcg(1)
    const size = 50
    const w = new DriftWindow([7], { kind: 'count', size }, noClock)
    const seen: number[] = []
    for (let i = 0; i < 5000; i++) {
      const bin = Math.floor(rand() * 7)
      w.observe(0, bin)
      seen.push(bin)
      if (i % 97 === 0 || i === 4999) {
        const expected = new Array<number>(7).fill(0)
        for (const b of seen.slice(-size)) expected[b]!++
        expect([...w.counts(0)]).toEqual(expected)
        expect(w.samples(0)).toBe(Math.min(i + 1, size))
      }
    }
  })
})

describe('DriftWindow, time kind', () => {
  it('drops each bucket when the clock leaves the window', () => {
    let t = 0
    // 10 s in 5 buckets of 2 s: the window is the current bucket and the 4 before it
    const w = new DriftWindow([2], { kind: 'time', seconds: 10, buckets: 5 }, () => t)
    w.observe(0, 0); w.observe(0, 0); w.observe(0, 0) // bucket 0 (t in [0, 2 s))
    t = 1999; w.observe(0, 1) // still bucket 0
    t = 2000; w.observe(0, 1) // bucket 1
    expect([...w.counts(0)]).toEqual([3, 2])
    t = 9999 // bucket 4: buckets 0..4 are all in the window
    expect([...w.counts(0)]).toEqual([3, 2])
    t = 10_000 // bucket 5 replaces bucket 0 (3 x bin 0, 1 x bin 1)
    expect([...w.counts(0)]).toEqual([0, 1])
    expect(w.samples(0)).toBe(1)
    t = 12_000 // bucket 6 replaces bucket 1
    expect([...w.counts(0)]).toEqual([0, 0])
    expect(w.samples()).toBe(0)
  })

  it('clears everything once after a pause longer than the window', () => {
    let t = 1_700_000_000_000
    const w = new DriftWindow([3, 2], { kind: 'time', seconds: 60, buckets: 6 }, () => t)
    for (let i = 0; i < 100; i++) { w.observe(0, i % 3); w.observe(1, i % 2) }
    t += 3_600_000
    expect([...w.counts(0)]).toEqual([0, 0, 0])
    expect(w.samples()).toBe(0)
    w.observe(1, 1)
    expect([...w.counts(1)]).toEqual([0, 1])
  })

  it('stands still when the clock steps back', () => {
    let t = 5000
    const w = new DriftWindow([2], { kind: 'time', seconds: 4, buckets: 2 }, () => t)
    w.observe(0, 0)
    t = 1000; w.observe(0, 1) // counted in the current bucket, nothing expires
    expect([...w.counts(0)]).toEqual([1, 1])
    t = 6000 // bucket 3 (6-8 s): bucket 2 (4-6 s), holding both, is still the one before it
    expect(w.samples(0)).toBe(2)
    t = 8000 // bucket 4 (8-10 s): the window is buckets 3 and 4, bucket 2 is dropped
    expect(w.samples(0)).toBe(0)
  })

  it('matches a recount over the window on a random stream (clock starting before the epoch)', () => {
    const rand = lcg(3)
    const widthMs = 30_000 / 6
    let t = -123_456
    const w = new DriftWindow([5], { kind: 'time', seconds: 30, buckets: 6 }, () => t)
    const seen: { bucket: number, bin: number }[] = []
    for (let i = 0; i < 4000; i++) {
      t += Math.floor(rand() * 200)
      const bin = Math.floor(rand() * 5)
      w.observe(0, bin)
      seen.push({ bucket: Math.floor(t / widthMs), bin })
      if (i % 101 === 0) {
        const current = Math.floor(t / widthMs)
        const expected = new Array<number>(5).fill(0)
        for (const s of seen) if (s.bucket > current - 6) expected[s.bin]!++
        expect([...w.counts(0)]).toEqual(expected)
      }
    }
  })
})

describe('DriftWindow, shared behaviour', () => {
  it('adds up across processes: the counts the fleet rules sum give the one-process PSI', () => {
    // Two "replicas" each see half the traffic; one process sees all of it. Bin counts are additive,
    // so PSI over the summed counts equals PSI over the single window's counts exactly.
    const reference = [0.1, 0.2, 0.3, 0.4]
    const a = new DriftWindow([4], { kind: 'count', size: 10_000 }, noClock)
    const b = new DriftWindow([4], { kind: 'count', size: 10_000 }, noClock)
    const all = new DriftWindow([4], { kind: 'count', size: 10_000 }, noClock)
    const rand = lcg(9)
    for (let i = 0; i < 3000; i++) {
      const bin = Math.min(3, Math.floor(rand() * rand() * 5))
      ;(i % 3 === 0 ? a : b).observe(0, bin)
      all.observe(0, bin)
    }
    const summed = [0, 1, 2, 3].map((i) => a.counts(0)[i]! + b.counts(0)[i]!)
    expect(summed).toEqual([...all.counts(0)])
    expect(psi(reference, summed)).toBe(psi(reference, all.counts(0)))
  })

  it('observeAll counts one bin per feature, skips -1 (NaN values), and reads the clock once', () => {
    let reads = 0
    const w = new DriftWindow([2, 3, 2], { kind: 'time', seconds: 60, buckets: 6 }, () => { reads++; return 0 })
    reads = 0
    w.observeAll([1, -1, 0])
    expect(reads).toBe(1)
    expect([...w.counts(0)]).toEqual([0, 1])
    expect(w.samples(1)).toBe(0)
    expect([...w.counts(2)]).toEqual([1, 0])
  })

  it('observeAll counts nothing when any entry is invalid', () => {
    const w = new DriftWindow([2, 2], { kind: 'count', size: 5 }, noClock)
    expect(() => w.observeAll([1, 2])).toThrow('no bin 2 of feature 1')
    expect(() => w.observeAll([1])).toThrow('expected 2 bins (one per feature), got 1')
    expect(w.samples(0)).toBe(0)
  })

  it('rejects unknown features and bins, and bad specs', () => {
    const w = new DriftWindow([2], { kind: 'count', size: 2 }, noClock)
    expect(() => w.observe(1, 0)).toThrow('no bin 0 of feature 1 (1 features)')
    expect(() => w.observe(0, 2)).toThrow('no bin 2 of feature 0')
    expect(() => w.observe(0, -1)).toThrow('no bin -1 of feature 0')
    expect(() => w.observe(0, 0.5)).toThrow('no bin 0.5 of feature 0')
    expect(() => w.counts(3)).toThrow('no feature 3')
    expect(() => w.samples(3)).toThrow('no feature 3')
    expect(() => new DriftWindow([2], { kind: 'count', size: 0 }, noClock)).toThrow('window.size: must be an integer >= 1 (got 0)')
    expect(() => new DriftWindow([2], { kind: 'time', seconds: 0, buckets: 2 }, () => 0)).toThrow('window.seconds: must be a number > 0')
    expect(() => new DriftWindow([2], { kind: 'time', seconds: 60, buckets: 1.5 }, () => 0)).toThrow('window.buckets: must be an integer >= 1')
    expect(() => new DriftWindow([0], { kind: 'count', size: 2 }, noClock)).toThrow('featureBinCounts[0]: must be an integer in 1..65535 (got 0)')
  })
})
