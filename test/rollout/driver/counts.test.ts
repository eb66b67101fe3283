/**
 * RolloutCounts: what is counted (weighted and sticky requests only; 5xx, upstream errors and invalid
 * predictions as errors; slow over the SLO; classes; agreement of the judged pair only), step windows
 * that start from zero, the fleet sum through the store, and a store that does not answer.
 */
import { describe, expect, it } from 'vitest'
import { countsKey, RolloutCounts, toObservations } from '../../../src/rollout/counts.js'
import { MemoryBackend, MemoryStore } from '../../../src/state/memory.js'
import type { StateStore } from '../../../src/state/types.js'
import { quietLogger } from '../helpers/rig.js'

const WINDOW = { key: countsKey('hit', 'r1', 0), candidate: 'v2', baseline: 'v1', sloMs: 100 }
const ok = { model: 'hit', status: 200, durationMs: 10, upstreamError: false }

describe('rollout counts', () => {
  it('counts weighted and sticky requests per version, not pinned, header or fallback ones', async () => {
    const store = new MemoryStore()
    const counts = new RolloutCounts({ store, replica: 'a', log: quietLogger().log })
    counts.track('hit', WINDOW)
    counts.record({ ...ok, version: 'v1', route: 'weight' })
    counts.record({ ...ok, version: 'v2', route: 'sticky', status: 503 })
    counts.record({ ...ok, version: 'v2', route: 'weight', upstreamError: true, status: 0 })
    counts.record({ ...ok, version: 'v2', route: 'weight', invalidPrediction: true, predictedClass: 'cat' })
    counts.record({ ...ok, version: 'v1', route: 'weight', durationMs: 101, predictedClass: 'dog' })
    for (const route of ['pinned', 'header', 'fallback']) counts.record({ ...ok, version: 'v2', route, status: 500 })
    counts.record({ ...ok, model: 'other', version: 'v2', route: 'weight' })
    counts.recordComparison({ model: 'hit', primary: 'v1', shadow: 'v2', agree: true })
    counts.recordComparison({ model: 'hit', primary: 'v1', shadow: 'v2', agree: false })
    counts.recordComparison({ model: 'hit', primary: 'v1', shadow: 'v3', agree: false })
    await counts.push()
    const obs = toObservations(await store.sumCounts(WINDOW.key), ['v1', 'v2', 'v3'])
    expect(obs).toEqual({
      versions: {
        v1: { requests: 2, errors: 0, slow: 1, classes: [0, 1] },
        v2: { requests: 3, errors: 3, slow: 0, classes: [1, 0] },
        v3: { requests: 0, errors: 0, slow: 0, classes: [0, 0] }
      },
      agreement: { agree: 1, total: 2 }
    })
  })

  it('sums the replicas, and a new step window starts from zero', async () => {
    const backend = new MemoryBackend()
    const [a, b] = ['a', 'b'].map((replica) => new RolloutCounts({ store: new MemoryStore({ backend }), replica, log: quietLogger().log }))
    for (const c of [a!, b!]) {
      c.track('hit', WINDOW)
      c.record({ ...ok, version: 'v2', route: 'weight' })
      await c.push()
    }
    // Pushing again replaces a replica's report: cumulative, not added twice.
    await a!.push()
    const store = new MemoryStore({ backend })
    expect(toObservations(await store.sumCounts(WINDOW.key), ['v2']).versions.v2!.requests).toBe(2)
    const next = { ...WINDOW, key: countsKey('hit', 'r1', 1) }
    a!.track('hit', next)
    await a!.push()
    expect(toObservations(await store.sumCounts(next.key), ['v2']).versions.v2!.requests).toBe(0)
  })

  it('sums the ejection marks of the replicas that ejected the candidate, once each however often they mark', async () => {
    const backend = new MemoryBackend()
    const [a, b, c] = ['a', 'b', 'c'].map((replica) => new RolloutCounts({ store: new MemoryStore({ backend }), replica, log: quietLogger().log }))
    for (const r of [a!, b!, c!]) r.track('hit', WINDOW)
    a!.recordEjection('hit', 'v2', 5)
    a!.recordEjection('hit', 'v2', 5)
    b!.recordEjection('hit', 'v2', 5)
    // An untracked model is not marked.
    c!.recordEjection('other', 'v2', 5)
    for (const r of [a!, b!, c!]) await r.push()
    const obs = toObservations(await new MemoryStore({ backend }).sumCounts(WINDOW.key), ['v1', 'v2'])
    expect(obs.ejected).toEqual({ v2: { replicas: 2, failures: 5 } })
    // A new step window starts without the mark.
    a!.track('hit', { ...WINDOW, key: countsKey('hit', 'r1', 1) })
    await a!.push()
    expect(toObservations(await new MemoryStore({ backend }).sumCounts(countsKey('hit', 'r1', 1)), ['v2']).ejected).toBeUndefined()
  })

  it('logs and counts a push the store does not answer in time, and does not throw', async () => {
    const { log, lines } = quietLogger()
    const hung = { addCounts: () => new Promise<void>(() => {}) } as unknown as StateStore
    const counts = new RolloutCounts({ store: hung, replica: 'a', log, pushTimeoutMs: 50 })
    counts.track('hit', WINDOW)
    await counts.push()
    expect(counts.failedPushes).toBe(1)
    expect(lines.join('')).toContain('no answer within 50 ms')
  })
})
