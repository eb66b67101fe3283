/**
 * The driver on a memory store, counts fed through RolloutCounts from seeded traffic, on a fake clock
 * (one tick = one simulated second): a healthy candidate promotes itself, one that fails 30 % of calls
 * rolls back at its first step, one with low shadow agreement rolls back on the prediction gate.
 * Webhooks go to a real HTTP server on port 0.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MemoryStore } from '../../../src/state/memory.js'
import { RolloutCounts } from '../../../src/rollout/counts.js'
import { RolloutDriver, trimWaits } from '../../../src/rollout/driver.js'
import { readDoc, RolloutService } from '../../../src/rollout/service.js'
import { Webhooks } from '../../../src/rollout/webhooks.js'
import { rolloutMetrics } from '../../../src/rollout/metrics.js'
import { createMetrics } from '../../../src/metrics/metrics.js'
import { Registry } from 'prom-client'
import { mulberry32 } from '../../../src/demo/songs.js'
import { feed, quietLogger, startReceiver, type Receiver, type Traffic } from '../helpers/rig.js'
import { until } from '../../helpers/wait.js'

const FILE = { v1: 100, v2: 0 }
// A floor of 5 % lets a clean candidate pass on about 110 requests instead of 5,400 (default 0.1 %).
const GATES = { errors: { floor: 0.05, minSamples: 50 }, latency: { floor: 0.05, minSamples: 50 } }

let receiver: Receiver
beforeEach(async () => { receiver = await startReceiver() })
afterEach(async () => { await receiver.close() })

function rig (opts: { waitWriteMs?: number } = {}) {
  const clock = { now: 1_000_000 }
  const now = (): number => clock.now
  const { log } = quietLogger()
  const store = new MemoryStore()
  const counts = new RolloutCounts({ store, replica: 'r1', log })
  const webhooks = new Webhooks({ log, timeoutMs: 1000, retries: 1, backoffMs: 10 })
  const registry = new Registry()
  const metrics = rolloutMetrics(createMetrics(registry))
  const driver = new RolloutDriver({ store, replicaId: 'r1', counts, log, metrics, webhooks, now, waitWriteMs: opts.waitWriteMs ?? 0 })
  const service = new RolloutService({ store, log, webhooks, now, fileWeights: (m) => (m === 'hit' ? FILE : undefined) })
  /** Runs simulated seconds of traffic until `done`, at most `limit` of them. */
  async function run (traffic: Traffic, perSecond: number, limit: number, seed = 1): Promise<number> {
    const random = mulberry32(seed)
    for (let s = 1; s <= limit; s++) {
      await driver.tick()
      const doc = readDoc((await store.load()).models.hit)!
      if (doc.state.status !== 'running') return s
      feed(counts, 'hit', (await store.load()).models.hit!.weights!, perSecond, random, traffic, doc.spec)
      await counts.push()
      clock.now += 1000
    }
    return limit
  }
  return { store, counts, driver, service, webhooks, registry, run, clock }
}

const start = (service: RolloutService, extra: Record<string, unknown> = {}) =>
  service.start('hit', { to: 'v2', steps: [10, 50, 100], stepTimeMs: 5000, gates: GATES, compare: 0, webhooks: [receiver.url], ...extra }, 'alice')

describe('rollout driver on a memory store', () => {
  it('promotes a healthy candidate through every step', async () => {
    const r = rig()
    await start(r.service)
    await r.run({}, 100, 300)
    const model = (await r.store.load()).models.hit!
    const doc = readDoc(model)!
    expect(doc.state.status).toBe('promoted')
    expect(model.weights).toEqual({ v1: 0, v2: 100 })
    expect(doc.state.records.filter((x) => x.decision === 'advance').map((x) => x.step)).toEqual([0])
    const audit = await r.store.audit({ model: 'hit', limit: 1000 })
    expect(audit.filter((a) => a.actor === 'rollout').map((a) => a.action)).toContain('rollout.promote')
    await r.webhooks.settle()
    expect(receiver.bodies.map((b) => b.event)).toEqual(['step', 'step', 'promoted'])
    const text = await r.registry.metrics()
    expect(text).toContain('headliner_rollout_gate_evaluations_total{model="hit",gate="errors",result="pass"}')
    await r.driver.tick()
    expect(await r.registry.getSingleMetricAsString('headliner_rollout_step')).toContain('headliner_rollout_step{model="hit"} 1')
    expect((await r.service.explain('hit')).mismatches).toEqual([])
  })

  it('rolls a candidate that fails 30 % of calls back at its first step, to the pre-rollout weights', async () => {
    const r = rig()
    await start(r.service)
    await r.run({ failRate: { v2: 0.3, v1: 0.01 } }, 100, 300)
    const model = (await r.store.load()).models.hit!
    const doc = readDoc(model)!
    expect(doc.state.status).toBe('rolled_back')
    expect(model.weights).toEqual(FILE)
    const last = doc.state.records[doc.state.records.length - 1]!
    expect(last).toMatchObject({ step: 0, decision: 'rollback' })
    expect(last.gates.find((g) => g.gate === 'errors')?.result).toBe('fail')
    const [entry] = await r.store.audit({ model: 'hit', limit: 1 })
    expect(entry).toMatchObject({ actor: 'rollout', action: 'rollout.rollback' })
    expect(entry!.after!.weights).toEqual(FILE)
    await r.webhooks.settle()
    expect(receiver.bodies.at(-1)).toMatchObject({ event: 'rolled_back', model: 'hit', candidate: 'v2', status: 'rolled_back' })
    const explained = await r.service.explain('hit')
    expect(explained.text).toMatch(/step 1 \(v2 at 10 %.*rolled back/)
    expect(explained.mismatches).toEqual([])
    await r.driver.tick()
    expect(await r.registry.getSingleMetricAsString('headliner_rollout_state')).toContain('headliner_rollout_state{model="hit",state="rolled_back"} 1')
  })

  it('rolls back on the prediction gate a candidate that answers 200 with low shadow agreement', async () => {
    const r = rig()
    await start(r.service, { gates: { ...GATES, predictions: { agreementFloor: 0.9, minPairs: 50 } } })
    await r.run({ agreement: 0.5 }, 100, 300)
    const doc = readDoc((await r.store.load()).models.hit!)!
    expect(doc.state.status).toBe('rolled_back')
    const last = doc.state.records[doc.state.records.length - 1]!
    expect(last.gates.find((g) => g.gate === 'predictions')?.result).toBe('fail')
    expect(last.gates.find((g) => g.gate === 'errors')?.result).not.toBe('fail')
    expect((await r.store.load()).models.hit!.weights).toEqual(FILE)
  })

  it('leaves a rollout paused by hand alone', async () => {
    const r = rig()
    await start(r.service)
    await r.service.pause('hit', 'bob')
    await r.run({}, 100, 20)
    const doc = readDoc((await r.store.load()).models.hit!)!
    expect(doc.state).toMatchObject({ status: 'paused', records: [] })
  })

  it('does not overwrite an abort by hand that lands between its read and its write', async () => {
    const r = rig()
    await start(r.service)
    const update = r.store.update.bind(r.store)
    let raced = false
    r.store.update = async (model, mutate, audit) => {
      if (audit.actor === 'rollout' && !raced) {
        raced = true
        await r.service.abort('hit', 'bob')
      }
      return update(model, mutate, audit)
    }
    await r.driver.tick()
    expect(raced).toBe(true)
    const model = (await r.store.load()).models.hit!
    expect(readDoc(model)!.state).toMatchObject({ status: 'aborted', records: [] })
    expect(model.weights).toEqual(FILE)
  })

  it('skips the tick, never throws, while the store does not answer', async () => {
    const r = rig()
    await start(r.service)
    const broken = Object.create(r.store) as MemoryStore
    broken.load = () => Promise.reject(new Error('down'))
    const { log } = quietLogger()
    const driver = new RolloutDriver({ store: broken, replicaId: 'r1', counts: r.counts, log })
    await driver.tick()
    expect(driver.skippedTicks).toBe(1)
  })

  it('waits for approval before 100 % and promotes on a 2xx from the approval webhook', async () => {
    const r = rig()
    await start(r.service, { approval: 'webhook', approvalWebhook: receiver.url })
    await r.run({}, 100, 300)
    let doc = readDoc((await r.store.load()).models.hit!)!
    expect(doc.state).toMatchObject({ status: 'paused', awaitingApproval: true })
    await r.driver.tick()
    await until(async () => readDoc((await r.store.load()).models.hit!)!.state.status === 'promoted', 10_000)
    doc = readDoc((await r.store.load()).models.hit!)!
    expect(doc.state.reason).toContain('approved by the webhook')
    expect(receiver.bodies.some((b) => b.event === 'approval')).toBe(true)
  })

  it('is not held up by a slow webhook receiver: the rollback is written at once', async () => {
    const r = rig()
    await start(r.service)
    receiver.mode.delayMs = 3000
    const random = mulberry32(7)
    let tickMs = 0
    for (let s = 0; s < 300 && readDoc((await r.store.load()).models.hit!)!.state.status === 'running'; s++) {
      feed(r.counts, 'hit', (await r.store.load()).models.hit!.weights!, 100, random, { failRate: { v2: 0.3 } })
      await r.counts.push()
      r.clock.now += 1000
      const t0 = Date.now()
      await r.driver.tick()
      tickMs = Math.max(tickMs, Date.now() - t0)
    }
    expect(readDoc((await r.store.load()).models.hit!)!.state.status).toBe('rolled_back')
    // Every tick, the rolling-back one included, took far less than the receiver's 3 s.
    expect(tickMs).toBeLessThan(1500)
    receiver.mode.delayMs = 0
  })

  it('writes an evaluation that only waits at most every waitWriteMs, and reports a heartbeat each time', async () => {
    const r = rig({ waitWriteMs: 10_000 })
    await start(r.service)
    for (let s = 0; s < 30; s++) {
      await r.driver.tick()
      r.clock.now += 1000
    }
    const entries = await r.store.audit({ model: 'hit', limit: 100 })
    // 30 s of waits (no traffic, absence of evidence never passes): one write per 10 s, plus the start.
    expect(entries.map((e) => e.action)).toEqual(['rollout.wait', 'rollout.wait', 'rollout.wait', 'rollout.start'])
    const heartbeat = await r.registry.getSingleMetricAsString('headliner_rollout_last_evaluation_timestamp_seconds')
    expect(heartbeat).toContain(`{model="hit"} ${(r.clock.now - 1000) / 1000}`)
    expect(await r.registry.getSingleMetricAsString('headliner_rollout_gate_evaluations_total')).toContain('{model="hit",gate="errors",result="inconclusive"} 30')
  })

  it('keeps every transition and only the newest waits in the stored records', () => {
    const rec = (decision: string, at: number) => ({ decision, at }) as never
    const records = [rec('wait', 1), rec('advance', 2), rec('wait', 3), rec('wait', 4), rec('wait', 5)]
    expect(trimWaits(records, 2).map((x: { at: number }) => x.at)).toEqual([2, 4, 5])
    expect(trimWaits(records, 10)).toHaveLength(5)
  })

  it('skips a model with a broken rollout document and still drives the others', async () => {
    const r = rig()
    await r.store.update('broken', () => ({ rollout: { spec: {}, state: { status: 'running' } } }), { actor: 'test', action: 'corrupt' })
    await start(r.service)
    await r.driver.tick()
    expect(r.driver.skippedTicks).toBe(1)
    expect(readDoc((await r.store.load()).models.hit!)!.state.records).toHaveLength(1)
  })

  it('keeps waiting for approval while the approval webhook refuses, until a person promotes', async () => {
    const r = rig()
    await start(r.service, { approval: 'webhook', approvalWebhook: receiver.url })
    await r.run({}, 100, 300)
    receiver.mode.status = 403
    await r.driver.tick()
    await until(() => receiver.bodies.filter((b) => b.event === 'approval').length >= 2, 10_000) // first try and one retry
    await r.driver.stop()
    expect(readDoc((await r.store.load()).models.hit!)!.state).toMatchObject({ status: 'paused', awaitingApproval: true })
    await r.service.promote('hit', 'carol')
    const model = (await r.store.load()).models.hit!
    expect(readDoc(model)!.state).toMatchObject({ status: 'promoted', reason: 'promoted by carol' })
    expect(model.weights).toEqual({ v1: 0, v2: 100 })
  })
})
