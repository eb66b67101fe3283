/**
 * An ejection seen fleet-wide: two `headliner serve` processes on one real redis-server run a rollout
 * of a candidate that fails 30 % of its calls (seeded). Traffic goes only to the replica that does NOT
 * hold the driver's lease, so only that replica ejects the candidate; its mark reaches the lease
 * holder through the counts in the store, and the holder rolls the rollout back with the ejection as
 * the reason (not a pause by the split check).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningModelServer } from '../../src/demo/model-server.js'
import { startDemoVersions } from '../helpers/gateway.js'
import { parseExposition } from '../helpers/prometheus.js'
import { redisMissing, startRedis, type RunningRedis } from '../helpers/redis.js'
import { admin, MODEL, startReplicas, steadyLoad, TOKEN, type Replicas } from '../helpers/replicas.js'
import { until } from '../helpers/wait.js'
import { flakyUpstream, GATES, type Closers } from './helpers/wired.js'

// The error gate would also roll this candidate back, from the same counts: with it out of reach
// (a sample floor the test never reaches) the ejection is the only way back, so the test shows that
// a mark made on one replica reaches the lease holder, whichever decision would have come first.
const ONLY_EJECTION = { ...GATES, errors: { ...GATES.errors, minSamples: 1_000_000 } }

let redis: RunningRedis
let models: RunningModelServer[]
let fleet: Replicas
const closers: Closers = []

beforeAll(async () => {
  if (redisMissing() !== undefined) return
  redis = await startRedis()
  models = await startDemoVersions(['v1'])
  // The candidate's first 12 calls fail, then 30 % (seed 13): five in a row (the default outlier
  // setting) eject on the serving replica whatever the interleaving of its calls.
  const v2 = await flakyUpstream(closers, 0.3, 13, 12)
  fleet = await startReplicas(2, { v1: models[0]!.url, v2: v2.url }, { v1: { weight: 100 }, v2: { weight: 0 } }, { url: redis.url, prefix: 'headliner:rollout-eject', resyncMs: 1000 })
}, 90_000)

afterAll(async () => {
  await fleet?.close()
  await Promise.all(models?.map((m) => m.close()) ?? [])
  while (closers.length > 0) await closers.pop()!()
  await redis?.close()
}, 30_000)

async function metric (adminUrl: string, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text()
  return parseExposition(text).find((s) => s.labels.__name__ === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value
}

describe.skipIf(redisMissing() !== undefined)('an ejected candidate across two replicas on one Redis', () => {
  it('is rolled back by the lease holder when only the other replica ejected it', async () => {
    const res = await fetch(`${fleet.nodes[0]!.admin}/admin/models/${MODEL}/rollout`, {
      method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ to: 'v2', baseline: 'v1', steps: [50, 100], stepTimeMs: 1000, maxStepTimeMs: 45_000, gates: ONLY_EJECTION, compare: 0 })
    })
    expect(res.status, await res.clone().text()).toBe(201)
    // Only the lease holder sets the evaluation heartbeat.
    let holder = -1
    await until(async () => {
      for (let i = 0; i < fleet.nodes.length; i++) if (((await metric(fleet.nodes[i]!.admin, 'headliner_rollout_last_evaluation_timestamp_seconds')) ?? 0) > 0) holder = i
      return holder >= 0
    }, 20_000)
    const other = fleet.nodes[1 - holder]!
    const load = steadyLoad([other.data], 3)
    let rollout: { status: string, stepIndex: number, reason: string } | undefined
    try {
      await until(async () => {
        rollout = (await admin(fleet.nodes[holder]!.admin, 'GET', `/admin/models/${MODEL}/rollout`)).body.rollout
        return rollout?.status === 'rolled_back' || rollout?.status === 'paused'
      }, 45_000)
    } finally {
      await load.stop()
    }
    expect(rollout).toMatchObject({ status: 'rolled_back', stepIndex: 0 })
    expect(rollout!.reason).toMatch(/^rolled back: ejected by outlier detection: 5 failures in a row/)
    // The replica that served the traffic ejected the candidate; the holder, which served none, did not.
    expect(await metric(other.admin, 'headliner_version_ejected', { version: 'v2' })).toBe(1)
    expect(await metric(fleet.nodes[holder]!.admin, 'headliner_version_ejected', { version: 'v2' })).toBe(0)
  }, 110_000)
})
