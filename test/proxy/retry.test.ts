import { describe, expect, it } from 'vitest'
import { buildModelTable } from '../../src/routing/table.js'
import { MIN_RETRY_CONCURRENCY, pickOther, RetryBudget, retryReason } from '../../src/proxy/retry.js'

describe('retryReason: only where safe', () => {
  it('retries a connect failure before any byte was sent, whatever the model', () => {
    expect(retryReason('connect', true, false)).toBe('connect')
  })
  it('does not retry what the upstream may have run, unless the model is idempotent', () => {
    for (const e of ['timeout', 'protocol', 'status', 'invalid_prediction'] as const) {
      expect(retryReason(e, false, false)).toBeUndefined()
      expect(retryReason(e, false, true)).toBe(e)
    }
    // a reset after the request went out is not "nothing sent"
    expect(retryReason('connect', false, false)).toBeUndefined()
    expect(retryReason(undefined, false, true)).toBeUndefined()
  })
})

describe('pickOther', () => {
  const table = buildModelTable('m', 'm', [
    { name: 'a', weight: 50, mirror: undefined, ready: true },
    { name: 'b', weight: 30, mirror: undefined, ready: true },
    { name: 'c', weight: 20, mirror: undefined, ready: true },
    { name: 'd', weight: 0, mirror: undefined, ready: false },
    { name: 's', weight: 0, mirror: 10, ready: true }
  ])

  it('never picks the failed version, a shadow or an unready version; by weight (seeded, 10,000 draws, within 2 %)', () => {
    let seed = 42
    const random = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31 }
    const counts: Record<string, number> = {}
    for (let i = 0; i < 10_000; i++) {
      const v = pickOther(table, 'a', random())!
      counts[v.name] = (counts[v.name] ?? 0) + 1
    }
    expect(Object.keys(counts).sort()).toEqual(['b', 'c'])
    expect(Math.abs(counts.b! / 10_000 - 0.6)).toBeLessThan(0.02)
  })

  it('has no other version to offer when only the failed one serves', () => {
    const one = buildModelTable('m', 'm', [{ name: 'a', weight: 100, mirror: undefined, ready: true }])
    expect(pickOther(one, 'a', 0.5)).toBeUndefined()
  })
})

describe('RetryBudget: 20 % of the requests in flight, at least 3', () => {
  it('allows 3 retries at once when quiet, and 20 % of 100 active', () => {
    const budget = new RetryBudget()
    const quiet = [budget.tryAcquire(), budget.tryAcquire(), budget.tryAcquire()]
    expect(quiet.every((r) => r !== undefined)).toBe(true)
    expect(budget.tryAcquire()).toBeUndefined()
    for (const r of quiet) r!()
    const leaves = Array.from({ length: 100 }, () => budget.enter())
    const held = Array.from({ length: 25 }, () => budget.tryAcquire()).filter((r) => r !== undefined)
    expect(held).toHaveLength(20)
    held[0]!()
    held[0]!() // a second release is a no-op
    expect(budget.tryAcquire()).toBeDefined()
    expect(budget.tryAcquire()).toBeUndefined()
    for (const leave of leaves) leave()
    expect(MIN_RETRY_CONCURRENCY).toBe(3)
  })
})
