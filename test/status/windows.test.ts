import { describe, expect, it } from 'vitest'
import { StatusWindows } from '../../src/status/windows.js'
import { BUCKETS, bucketOf, quantile, upperBound } from '../../src/status/histogram.js'
import { nearestRank } from '../../src/shadow/summary.js'

/** A clock the test moves by hand. */
function fakeClock (start = Date.UTC(2026, 11, 1, 10, 0, 0)) {
  let t = start
  return { now: () => t, advance: (ms: number) => { t += ms } }
}

const reply = (status = 200, durationMs = 10, version = 'v1') => ({ model: 'm', version, role: 'primary' as const, status, durationMs })

describe('StatusWindows', () => {
  it('counts requests, errors (5xx and upstream errors) and rate over 1 and 5 minutes', () => {
    const clock = fakeClock()
    const w = new StatusWindows({ now: clock.now })
    clock.advance(300_000)
    // 100 requests over 50 s from a bucket boundary, then one more: all inside the 1-minute window,
    // whose 12 buckets of 5 s now cover 55 s (the current bucket is 5 s old).
    for (let i = 0; i < 100; i++) { w.afterReply(reply(i % 10 === 0 ? 503 : 200)); clock.advance(500) }
    w.afterReply({ ...reply(200), upstreamError: 'invalid_prediction' })
    const t = w.traffic('m', 'v1')
    expect(t['1m'].requests).toBe(101)
    expect(t['1m'].errors).toBe(11)
    expect(t['1m'].errorRatio).toBeCloseTo(11 / 101, 10)
    expect(t['1m'].ratePerSecond).toBeCloseTo(101 / 55, 10)
    expect(t['5m'].requests).toBe(101)
    expect(w.traffic('m', 'v2')['5m']).toMatchObject({ requests: 0, errorRatio: null, p99Ms: null })
  })

  it('rolls buckets over: a request leaves the 1-minute window after 60 s and the 5-minute one after 300 s', () => {
    const clock = fakeClock()
    const w = new StatusWindows({ now: clock.now })
    w.afterReply(reply())
    clock.advance(59_999 - (clock.now() % 5000))
    expect(w.traffic('m', 'v1')['1m'].requests).toBe(1)
    clock.advance(5000)
    expect(w.traffic('m', 'v1')['1m'].requests).toBe(0)
    expect(w.traffic('m', 'v1')['5m'].requests).toBe(1)
    clock.advance(240_000)
    expect(w.traffic('m', 'v1')['5m'].requests).toBe(0)
    // The slot comes round again: the old bucket's counts are cleared, not added to.
    w.afterReply(reply(500))
    expect(w.traffic('m', 'v1')['5m']).toMatchObject({ requests: 1, errors: 1 })
  })

  it('keeps primary and shadow replies of a version apart', () => {
    const w = new StatusWindows({ now: fakeClock().now })
    w.afterReply(reply())
    w.afterReply({ ...reply(504), role: 'shadow' })
    expect(w.traffic('m', 'v1', 'primary')['1m'].errors).toBe(0)
    expect(w.traffic('m', 'v1', 'shadow')['1m'].errors).toBe(1)
  })

  it('p50/p99 are within 9 % of the exact nearest-rank values (seeded log-normal latencies)', () => {
    const clock = fakeClock()
    const w = new StatusWindows({ now: clock.now })
    let seed = 42
    const uniform = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return (seed + 0.5) / 2 ** 31 }
    const samples: number[] = []
    for (let i = 0; i < 20_000; i++) {
      const normal = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform())
      const ms = Math.exp(3 + 0.8 * normal)
      samples.push(ms)
      w.afterReply(reply(200, ms))
      if (i % 100 === 0) clock.advance(1000)
    }
    samples.sort((a, b) => a - b)
    const t = w.traffic('m', 'v1')['5m']
    expect(t.requests).toBe(20_000)
    expect(Math.abs(t.p50Ms! / nearestRank(samples, 0.5) - 1)).toBeLessThan(0.09)
    expect(Math.abs(t.p99Ms! / nearestRank(samples, 0.99) - 1)).toBeLessThan(0.09)
  })

  it('records shadow comparisons per pair: agreement over the decided ones, mean divergence', () => {
    const clock = fakeClock()
    const w = new StatusWindows({ now: clock.now })
    for (let i = 0; i < 100; i++) w.recordComparison({ model: 'm', primary: 'v1', shadow: 'v3', outcome: i < 30 ? 'agree' : i < 90 ? 'disagree' : 'shadow_error', divergence: i < 90 ? 0.5 : undefined })
    w.recordComparison({ model: 'other', primary: 'v1', shadow: 'v3', outcome: 'agree' })
    const [pair, ...rest] = w.pairs('m')
    expect(rest).toEqual([])
    expect(pair).toMatchObject({ primary: 'v1', shadow: 'v3' })
    expect(pair!.windows['5m']).toEqual({ seconds: 300, total: 100, agree: 30, disagree: 60, agreementRate: 30 / 90, divergenceMean: 0.5 })
    clock.advance(61_000)
    expect(w.pairs('m')[0]!.windows['1m'].total).toBe(0)
  })

  it('gives a 5-minute timeline per bucket, oldest first', () => {
    const clock = fakeClock()
    const w = new StatusWindows({ now: clock.now })
    for (let i = 0; i < 10; i++) w.afterReply(reply(i < 5 ? 500 : 200, 20))
    w.recordComparison({ model: 'm', primary: 'v0', shadow: 'v1', outcome: 'agree' })
    clock.advance(5000)
    for (let i = 0; i < 5; i++) w.afterReply(reply(200, 20))
    const tl = w.timeline('m', 'v1')
    expect(tl.requestsPerSecond).toHaveLength(60)
    expect(tl.requestsPerSecond.slice(-2)).toEqual([2, 1])
    expect(tl.errorRatio.slice(-3)).toEqual([null, 0.5, 0])
    expect(tl.agreement.slice(-2)).toEqual([1, null])
    expect(tl.start + 59 * tl.bucketSeconds).toBe(Math.floor(clock.now() / 5000) * 5)
  })

  it('bounds its series: idle ones are evicted to make room, otherwise new ones are dropped and counted', () => {
    const clock = fakeClock()
    const w = new StatusWindows({ now: clock.now, maxSeries: 2 })
    w.afterReply(reply(200, 1, 'a'))
    w.afterReply(reply(200, 1, 'b'))
    w.afterReply(reply(200, 1, 'c'))
    expect(w.stats()).toEqual({ series: 2, dropped: 1 })
    expect(w.traffic('m', 'c')['1m'].requests).toBe(0)
    clock.advance(300_001)
    w.afterReply(reply(200, 1, 'c'))
    expect(w.stats()).toEqual({ series: 1, dropped: 1 })
    expect(w.traffic('m', 'c')['1m'].requests).toBe(1)
  })

  it('refuses a bucket width that does not divide a minute', () => {
    expect(() => new StatusWindows({ now: Date.now, bucketMs: 7000 })).toThrow(/bucketMs/)
  })
})

describe('latency histogram', () => {
  it('puts each value under its bucket bound, and reads quantiles with the max as a bound', () => {
    for (const ms of [0, 0.1, 0.11, 1, 9.99, 500, 1e4, 1e6]) {
      const b = bucketOf(ms)
      expect(ms).toBeLessThanOrEqual(upperBound(b))
      if (b > 0) expect(ms).toBeGreaterThan(upperBound(b - 1))
    }
    const hist = new Uint32Array(BUCKETS)
    hist[bucketOf(1e6)] = 1
    expect(quantile(hist, 1, 0.99, 1e6)).toBe(1e6)
    expect(quantile(hist, 0, 0.5, 0)).toBeNull()
  })
})
