/**
 * Two `headliner serve` processes on one real redis-server run one rollout: the replica holding the
 * driver's lease is killed with SIGKILL mid-rollout (no lease given back), the other takes the lease
 * over when it expires (5 s) and finishes the rollout from the stored state.
 */
import { describe, expect, it } from 'vitest'
import { parseExposition } from '../helpers/prometheus.js'
import { redisMissing } from '../helpers/redis.js'
import { admin, effectiveWeights, MODEL, steadyLoad, TOKEN, useFleet } from '../helpers/replicas.js'
import { until } from '../helpers/wait.js'

const GATES = { errors: { minSamples: 40, floor: 0.05 }, latency: { minSamples: 40, floor: 0.05, sloMs: 2000 } }
const rig = useFleet(2, { v1: { weight: 100 }, v2: { weight: 0 } }, { prefix: 'headliner:rollout-takeover', resyncMs: 1000 })

/** True when this replica's driver evaluates the rollout (only the lease holder sets the heartbeat). */
async function evaluates (adminUrl: string): Promise<boolean> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text()
  return parseExposition(text).some((s) => s.labels.__name__ === 'headliner_rollout_last_evaluation_timestamp_seconds' && s.value > 0)
}

async function rollout (adminUrl: string): Promise<{ status: string, stepIndex: number, reason: string }> {
  const res = await admin(adminUrl, 'GET', `/admin/models/${MODEL}/rollout`)
  return res.body.rollout
}

describe.skipIf(redisMissing() !== undefined)('a rollout across two replicas on one Redis', () => {
  it('finishes after the lease holder is killed with SIGKILL mid-rollout', async () => {
    const res = await fetch(`${rig.fleet.nodes[0]!.admin}/admin/models/${MODEL}/rollout`, {
      method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ to: 'v2', baseline: 'v1', steps: [10, 25, 50, 100], stepTimeMs: 2000, maxStepTimeMs: 50_000, gates: GATES, compare: 0 })
    })
    expect(res.status, await res.clone().text()).toBe(201)
    let load = steadyLoad(rig.fleet.nodes.map((n) => n.data), 2)
    let holder = -1
    await until(async () => {
      for (let i = 0; i < rig.fleet.nodes.length; i++) if (await evaluates(rig.fleet.nodes[i]!.admin)) holder = i
      return holder >= 0
    }, 20_000)
    // Mid-rollout: past its first step, not finished.
    await until(async () => (await rollout(rig.fleet.nodes[holder]!.admin)).stepIndex >= 1, 30_000)
    const survivor = rig.fleet.nodes[1 - holder]!
    await load.stop()
    rig.fleet.nodes[holder]!.child.kill('SIGKILL')
    await rig.fleet.nodes[holder]!.exited
    const atKill = await rollout(survivor.admin)
    expect(atKill.status).toBe('running')
    load = steadyLoad([survivor.data], 3)
    try {
      await until(async () => (await rollout(survivor.admin)).status === 'promoted', 55_000)
    } finally {
      await load.stop()
    }
    expect(await evaluates(survivor.admin)).toBe(true)
    expect(await effectiveWeights(survivor.admin)).toEqual({ v1: 0, v2: 100 })
  }, 110_000)
})
