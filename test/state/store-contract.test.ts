/**
 * One case table for every StateStore implementation (memory, file, redis with a real redis-server):
 * load/update/refusal, compare-and-set under concurrency, the audit entry sharing the change's
 * revision, watch between instances, leases, expiring counts, health.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Refusal, type ModelState } from '../../src/state/types.js'
import { until } from '../helpers/wait.js'
import { fileBackend, memoryBackend, redisBackend, type Backend } from './backends.js'

const backends: Backend[] = [memoryBackend(), fileBackend(), redisBackend()]
const who = { actor: 'alice', action: 'set-weights', reason: 'canary' }
const setWeights = (weights: Record<string, number>) => (cur: ModelState | undefined): ModelState => ({ ...cur, weights })
const bump = (field: 'a' | 'b') => (cur: ModelState | undefined): ModelState => {
  const n = (cur?.rollout ?? {}) as Record<string, number>
  return { ...cur, rollout: { ...n, [field]: (n[field] ?? 0) + 1 } }
}

afterAll(async () => { for (const b of backends) await b.teardown() })

describe.each(backends)('$name store', (backend) => {
  beforeEach(() => backend.reset())
  afterEach(() => backend.closeStores())

  it('starts empty at revision 0 and is healthy', async () => {
    const store = await backend.open()
    expect(await store.load()).toEqual({ revision: 0, models: {} })
    expect(store.health()).toMatchObject({ up: true, store: backend.name })
    expect(await store.audit({ limit: 10 })).toEqual([])
  })

  it('applies an update, visible to another instance, with its audit entry at the same revision', async () => {
    const [a, b] = [await backend.open(), await backend.open()]
    const result = await a.update('hit', setWeights({ v1: 80, v2: 20 }), who)
    if (!result.applied) throw new Error('refused')
    expect(result.state).toEqual({ revision: 1, models: { hit: { weights: { v1: 80, v2: 20 } } } })
    expect(result.entry).toMatchObject({ revision: 1, model: 'hit', actor: 'alice', action: 'set-weights', reason: 'canary', before: null, after: { weights: { v1: 80, v2: 20 } } })
    expect(Date.parse(result.entry.at)).not.toBeNaN()
    const seen = await b.load()
    expect(seen).toEqual(result.state)
    const [entry] = await b.audit({ limit: 10 })
    expect(entry).toEqual(result.entry)
    expect(entry!.revision).toBe(seen.revision)
  })

  it('writes nothing on a refusal and hands the reason back', async () => {
    const store = await backend.open()
    await store.update('hit', setWeights({ v1: 100 }), who)
    const result = await store.update('hit', () => new Refusal(['weights.v9: unknown version']), who)
    expect(result).toEqual({ applied: false, state: { revision: 1, models: { hit: { weights: { v1: 100 } } } }, refusal: ['weights.v9: unknown version'] })
    expect((await store.load()).revision).toBe(1)
    expect(await store.audit({ limit: 10 })).toHaveLength(1)
  })

  it('passes the current state to the mutation (a copy) and removes the model on null', async () => {
    const store = await backend.open()
    await store.update('hit', setWeights({ v1: 100 }), who)
    let seen: ModelState | undefined
    await store.update('hit', (cur) => { seen = structuredClone(cur); if (cur) cur.weights = { v1: 1 }; return { ...cur, mirrors: { v3: 25 } } }, { actor: 'bob', action: 'set-mirrors' })
    expect(seen).toEqual({ weights: { v1: 100 } })
    expect((await store.load()).models.hit).toEqual({ weights: { v1: 1 }, mirrors: { v3: 25 } })
    const reset = await store.update('hit', () => null, { actor: 'bob', action: 'reset-overrides' })
    expect(reset.state).toEqual({ revision: 3, models: {} })
    const [entry] = await store.audit({ limit: 1 })
    expect(entry).toMatchObject({ revision: 3, action: 'reset-overrides', before: { weights: { v1: 1 }, mirrors: { v3: 25 } }, after: null, reason: '' })
  })

  it('loses no update when two instances write concurrently (compare-and-set)', async () => {
    const [a, b] = [await backend.open(), await backend.open()]
    const writes = Array.from({ length: 12 }, (_x, i) => (i % 2 === 0 ? a : b).update('hit', bump(i % 2 === 0 ? 'a' : 'b'), who))
    await Promise.all(writes)
    expect(await a.load()).toEqual({ revision: 12, models: { hit: { rollout: { a: 6, b: 6 } } } })
    const revisions = (await b.audit({ limit: 100 })).map((e) => e.revision)
    expect(revisions).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1])
  })

  it('retries a mutation that lost the race to a write it let in', async () => {
    const [a, b] = [await backend.open(), await backend.open()]
    let calls = 0
    let inner: Promise<unknown> | undefined
    const result = await a.update('hit', (cur) => {
      calls++
      inner ??= b.update('hit', bump('b'), { actor: 'bob', action: 'bump' })
      return bump('a')(cur)
    }, who)
    await inner
    const state = await a.load()
    expect(state).toEqual({ revision: 2, models: { hit: { rollout: { a: 1, b: 1 } } } })
    // Both orders are correct; if A wrote first, B retried on its own, else A ran its mutation again.
    if (result.state.revision === 2) expect(calls).toBeGreaterThanOrEqual(2)
  })

  it('keeps a bounded audit log, newest first, filtered by model', async () => {
    const store = await backend.open({ auditLimit: 5 })
    for (let i = 0; i < 7; i++) await store.update(i % 2 === 0 ? 'hit' : 'churn', bump('a'), { actor: 'alice', action: `step-${i}` })
    const all = await store.audit({ limit: 100 })
    expect(all.map((e) => e.action)).toEqual(['step-6', 'step-5', 'step-4', 'step-3', 'step-2'])
    expect((await store.audit({ limit: 2 })).map((e) => e.revision)).toEqual([7, 6])
    const hit = await store.audit({ model: 'hit', limit: 100 })
    expect(hit.every((e) => e.model === 'hit')).toBe(true)
    expect(hit.map((e) => e.action).slice(0, 2)).toEqual(['step-6', 'step-4'])
  })

  it('tells watchers of another instance\'s change, not of their own, and stops on unsubscribe', async () => {
    const [a, b] = [await backend.open(), await backend.open()]
    const onB: number[] = []
    const onA: number[] = []
    const stopB = b.watch((s) => onB.push(s.revision))
    a.watch((s) => onA.push(s.revision))
    await a.update('hit', setWeights({ v1: 50, v2: 50 }), who)
    await until(() => onB.includes(1), 5000)
    await b.update('hit', setWeights({ v1: 10, v2: 90 }), who)
    await until(() => onA.includes(2), 5000)
    stopB()
    await a.update('hit', setWeights({ v1: 0, v2: 100 }), who)
    await until(async () => (await b.load()).revision === 3, 5000)
    expect(onB).toEqual([1])
    expect(onA).toEqual([2])
  })

  it('gives a lease to one holder at a time, renews it for that holder, and lets it expire', async () => {
    const [a, b] = [await backend.open(), await backend.open()]
    expect(await a.lease('rollout:hit', 'replica-a', 10_000)).toBe(true)
    expect(await b.lease('rollout:hit', 'replica-b', 10_000)).toBe(false)
    expect(await a.lease('rollout:hit', 'replica-a', 10_000)).toBe(true)
    expect(await b.lease('rollout:other', 'replica-b', 10_000)).toBe(true)
    await b.release('rollout:hit', 'replica-b')
    expect(await b.lease('rollout:hit', 'replica-b', 10_000)).toBe(false)
    await a.release('rollout:hit', 'replica-a')
    expect(await b.lease('rollout:hit', 'replica-b', 300)).toBe(true)
    expect(await a.lease('rollout:hit', 'replica-a', 300)).toBe(false)
    const t0 = Date.now()
    await until(() => a.lease('rollout:hit', 'replica-a', 10_000), 5000)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100)
    expect(await b.lease('rollout:hit', 'replica-b', 10_000)).toBe(false)
  })

  it('sums the live replicas\' latest counts and drops a report when it expires', async () => {
    const [a, b] = [await backend.open(), await backend.open()]
    await a.addCounts('replica-a', 'rollout:hit', { 'v2:ok': 3, 'v2:error': 1 }, 10_000)
    await b.addCounts('replica-b', 'rollout:hit', { 'v2:ok': 2 }, 400)
    await b.addCounts('replica-b', 'rollout:other', { 'v1:ok': 9 }, 10_000)
    expect(await a.sumCounts('rollout:hit')).toEqual({ 'v2:ok': 5, 'v2:error': 1 })
    // A report replaces the replica's previous one (cumulative counts, not increments).
    await a.addCounts('replica-a', 'rollout:hit', { 'v2:ok': 4, 'v2:error': 1 }, 10_000)
    expect(await b.sumCounts('rollout:hit')).toEqual({ 'v2:ok': 6, 'v2:error': 1 })
    await until(async () => (await a.sumCounts('rollout:hit'))['v2:ok'] === 4, 5000)
    expect(await a.sumCounts('rollout:hit')).toEqual({ 'v2:ok': 4, 'v2:error': 1 })
    expect(await a.sumCounts('rollout:none')).toEqual({})
  })
})
