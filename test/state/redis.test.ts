/**
 * The Redis store against a real redis-server: propagation between two stores (measured over 100
 * changes), a lost notification healed by the resync, key prefixes that keep gateways apart, and
 * outages (stopped, paused): last state kept, health down, writes refused promptly, recovery after.
 */
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { StateUnavailableError } from '../../src/state/errors.js'
import { RedisStore } from '../../src/state/redis.js'
import type { ModelState, State, StateStore } from '../../src/state/types.js'
import { startRedis, type RunningRedis } from '../helpers/redis.js'
import { until } from '../helpers/wait.js'
import { testLogger } from './backends.js'

let redis: RunningRedis
let stores: StateStore[] = []
let n = 0
const who = { actor: 'alice', action: 'set-weights' }
const weights = (w: Record<string, number>) => (cur: ModelState | undefined): ModelState => ({ ...cur, weights: w })

async function open (opts: { prefix?: string; resyncMs?: number } = {}): Promise<RedisStore> {
  const store = await RedisStore.open({ url: redis.url, log: testLogger().log, prefix: opts.prefix ?? `t${n}`, resyncMs: opts.resyncMs ?? 1000, commandTimeoutMs: 500, reconnectMaxMs: 500 })
  stores.push(store)
  return store
}

function percentile (sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!
}

beforeAll(async () => { redis = await startRedis() })
afterAll(async () => { await redis.close() })
afterEach(async () => { await Promise.all(stores.map((s) => s.close())); stores = []; n++ })

describe('redis store', () => {
  it('brings 100 changes from A to B\'s watch within 1 s each (p50/p99 printed)', async () => {
    const [a, b] = [await open(), await open({ resyncMs: 60_000 })]
    const arrived = new Map<number, number>()
    b.watch((s) => arrived.set(s.revision, performance.now()))
    const latencies: number[] = []
    for (let i = 1; i <= 100; i++) {
      const t0 = performance.now()
      const result = await a.update('hit', weights({ v1: 100 - i, v2: i }), who)
      await until(() => arrived.has(result.state.revision), 5000)
      latencies.push(arrived.get(result.state.revision)! - t0)
    }
    latencies.sort((x, y) => x - y)
    const [p50, p99] = [percentile(latencies, 0.5), percentile(latencies, 0.99)]
    console.log(`redis propagation A.update -> B.watch over 100 changes: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${latencies.at(-1)!.toFixed(2)} ms`)
    expect(p99).toBeLessThan(1000)
    expect((await b.load()).models.hit).toEqual({ weights: { v1: 0, v2: 100 } })
  })

  it('heals a lost notification within the resync interval', async () => {
    const healer = await open({ resyncMs: 300 })
    const deaf = await open({ resyncMs: 60_000 })
    const seen: State[] = []
    healer.watch((s) => seen.push(s))
    const deafSeen: number[] = []
    deaf.watch((s) => deafSeen.push(s.revision))
    // A writer whose notification never went out: the state changed in Redis, nothing was published.
    const raw = new Redis(redis.url)
    await raw.hset(`t${n}:state`, 'revision', 1, 'models', JSON.stringify({ hit: { weights: { v2: 100 } } }))
    const t0 = Date.now()
    await until(() => seen.length > 0, 5000)
    expect(Date.now() - t0).toBeLessThan(300 + 500)
    expect(seen[0]).toEqual({ revision: 1, models: { hit: { weights: { v2: 100 } } } })
    // Control: the same change reached nobody through pub/sub.
    expect(deafSeen).toEqual([])
    raw.disconnect()
  })

  it('keeps gateways with different prefixes apart on one Redis', async () => {
    const [a, other] = [await open({ prefix: `t${n}:blue` }), await open({ prefix: `t${n}:green` })]
    await a.update('hit', weights({ v1: 100 }), who)
    expect(await other.load()).toEqual({ revision: 0, models: {} })
    expect(await other.audit({ limit: 10 })).toEqual([])
    expect(await other.lease('rollout:hit', 'x', 10_000)).toBe(true)
    expect(await a.lease('rollout:hit', 'y', 10_000)).toBe(true)
  })

  it('survives Redis stopping: last state kept, health down, writes refused promptly; all back after a restart', async () => {
    const [a, b] = [await open({ resyncMs: 200 }), await open({ resyncMs: 200 })]
    const seen: number[] = []
    b.watch((s) => seen.push(s.revision))
    await a.update('hit', weights({ v1: 80, v2: 20 }), who)
    await until(() => seen.includes(1), 5000)
    await redis.stop()
    await until(() => !a.health().up && !b.health().up, 5000)
    expect(b.health().detail).toMatch(/serving the last known state \(revision 1\)/)
    expect(await b.load()).toEqual({ revision: 1, models: { hit: { weights: { v1: 80, v2: 20 } } } })
    const t0 = Date.now()
    const err = await a.update('hit', weights({ v1: 0, v2: 100 }), who).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StateUnavailableError)
    expect((err as StateUnavailableError).statusCode).toBe(503)
    expect(Date.now() - t0).toBeLessThan(1500)
    await expect(a.lease('rollout:hit', 'a', 1000)).rejects.toBeInstanceOf(StateUnavailableError)
    await expect(a.audit({ limit: 1 })).rejects.toBeInstanceOf(StateUnavailableError)
    await redis.start()
    await until(() => a.health().up && b.health().up, 10_000)
    const result = await a.update('hit', weights({ v1: 0, v2: 100 }), who)
    expect(result.state.revision).toBe(2)
    await until(() => seen.includes(2), 5000)
    expect((await b.audit({ limit: 5 })).map((e) => e.revision)).toEqual([2, 1])
  })

  it('bounds every command when Redis hangs (paused): writes reject within the command timeout', async () => {
    const a = await open()
    await a.update('hit', weights({ v1: 100 }), who)
    redis.pause()
    try {
      const t0 = Date.now()
      await expect(a.update('hit', weights({ v2: 100 }), who)).rejects.toBeInstanceOf(StateUnavailableError)
      expect(Date.now() - t0).toBeLessThan(2000)
      expect(a.health().up).toBe(false)
      expect(await a.load()).toEqual({ revision: 1, models: { hit: { weights: { v1: 100 } } } })
    } finally {
      redis.resume()
    }
    await until(async () => { await a.load(); return a.health().up }, 10_000)
  })

  it('starts with health down when Redis is not there yet, and catches up when it comes', async () => {
    const late = await startRedis()
    await late.stop()
    const t0 = Date.now()
    const store = await RedisStore.open({ url: late.url, log: testLogger().log, prefix: 'late', connectTimeoutMs: 500, reconnectMaxMs: 300, resyncMs: 200 })
    stores.push(store)
    expect(Date.now() - t0).toBeLessThan(3000)
    expect(store.health().up).toBe(false)
    expect(await store.load()).toEqual({ revision: 0, models: {} })
    await late.start()
    try {
      await until(() => store.health().up, 10_000)
      expect((await store.update('hit', weights({ v1: 100 }), who)).state.revision).toBe(1)
    } finally {
      await late.close()
    }
  })
})
