/**
 * Two gateway replicas on one real redis-server, each with its own store connection, counts and
 * driver. One holds the rollout's lease; it is stopped mid-rollout without releasing it (as a crash
 * would leave it); the other takes the lease within the lease time and finishes the rollout from the
 * stored state, judging the counts both replicas pushed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RolloutCounts } from '../../../src/rollout/counts.js'
import { RolloutDriver } from '../../../src/rollout/driver.js'
import { readDoc, RolloutService } from '../../../src/rollout/service.js'
import { RedisStore } from '../../../src/state/redis.js'
import { redisMissing, startRedis, type RunningRedis } from '../../helpers/redis.js'
import { until } from '../../helpers/wait.js'
import { mulberry32 } from '../../../src/demo/songs.js'
import { feed, quietLogger } from '../helpers/rig.js'

const LEASE_TTL_MS = 2000
const FILE = { v1: 100, v2: 0 }
const GATES = { errors: { floor: 0.05, minSamples: 50 }, latency: { floor: 0.05, minSamples: 50 } }

let redis: RunningRedis
beforeAll(async () => { redis = await startRedis() })
afterAll(async () => { await redis?.close() })

async function replica (id: string, prefix = 'takeover') {
  const { log } = quietLogger()
  const store = await RedisStore.open({ url: redis.url, log, prefix, commandTimeoutMs: 1000 })
  const counts = new RolloutCounts({ store, replica: id, log, pushMs: 100, ttlMs: 30_000 })
  const driver = new RolloutDriver({ store, replicaId: id, counts, log, intervalMs: 100, leaseTtlMs: LEASE_TTL_MS, waitWriteMs: 0 })
  const random = mulberry32(id.charCodeAt(0))
  let alive = true
  // Traffic as this replica routes it: by the weights in its own view of the store.
  const traffic = setInterval(() => {
    void store.load().then((state) => {
      const model = state.models.hit
      const doc = readDoc(model)
      if (alive && model?.weights !== undefined && doc !== undefined) feed(counts, 'hit', model.weights, 40, random, {}, doc.spec)
    }, () => {})
  }, 50)
  return {
    id, store, driver,
    kill: async () => { alive = false; clearInterval(traffic); await driver.stop() },
    close: async () => { alive = false; clearInterval(traffic); await driver.close(); await store.close() }
  }
}

describe.skipIf(redisMissing() !== undefined)('rollout driver lease takeover on redis', () => {
  it('a replica killed mid-rollout is replaced within the lease time and the rollout finishes', async () => {
    const a = await replica('a')
    const b = await replica('b')
    try {
      const service = new RolloutService({ store: a.store, log: quietLogger().log, fileWeights: () => FILE })
      await service.start('hit', { to: 'v2', steps: [10, 50, 100], stepTimeMs: 1500, gates: GATES, compare: 0 }, 'alice')
      a.driver.start()
      b.driver.start()
      const doc = async () => readDoc((await a.store.load()).models.hit)!
      await until(async () => (await doc()).state.stepIndex === 1, 30_000)
      expect((await doc()).state.status).toBe('running')
      const [first, second] = a.driver.holding().includes('hit') ? [a, b] : [b, a]
      expect(second.driver.holding()).toEqual([])
      await first.kill()
      const killedAt = Date.now()
      await until(() => second.driver.holding().includes('hit'), 10_000)
      const takeoverMs = Date.now() - killedAt
      console.log(`lease takeover after a kill: ${takeoverMs} ms (lease ttl ${LEASE_TTL_MS} ms, interval 100 ms)`)
      // The lease runs out at most one ttl after the last renewal; one tick of the second replica and
      // a slow shared machine on top.
      expect(takeoverMs).toBeLessThan(LEASE_TTL_MS + 2000)
      await until(async () => (await doc()).state.status !== 'running', 30_000)
      const final = await doc()
      expect(final.state.status).toBe('promoted')
      expect((await second.store.load()).models.hit!.weights).toEqual({ v1: 0, v2: 100 })
      const actions = (await second.store.audit({ model: 'hit', limit: 100 })).filter((e) => e.actor === 'rollout').map((e) => e.action)
      expect(actions).toContain('rollout.advance')
      expect(actions[0]).toBe('rollout.promote')
    } finally {
      await a.close()
      await b.close()
    }
  }, 90_000)

  it('skips ticks while redis does not answer and carries on when it is back', async () => {
    const a = await replica('c', 'outage')
    try {
      const service = new RolloutService({ store: a.store, log: quietLogger().log, fileWeights: () => FILE })
      await service.start('hit', { to: 'v2', steps: [10, 50, 100], stepTimeMs: 60_000, gates: GATES, compare: 0 }, 'alice')
      a.driver.start()
      await until(() => a.driver.holding().includes('hit'), 10_000)
      redis.pause()
      try {
        await until(() => a.driver.skippedTicks >= 2, 15_000)
      } finally {
        redis.resume()
      }
      const skipped = a.driver.skippedTicks
      // Back: evaluations are written again (waits, as the step time is a minute).
      const before = (await a.store.audit({ model: 'hit', limit: 1 }))[0]!.revision
      await until(async () => (await a.store.audit({ model: 'hit', limit: 1 }))[0]!.revision > before, 15_000)
      expect(readDoc((await a.store.load()).models.hit)!.state.status).toBe('running')
      expect(skipped).toBeGreaterThanOrEqual(2)
    } finally {
      await a.close()
    }
  }, 60_000)
})
