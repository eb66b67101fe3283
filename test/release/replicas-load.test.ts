/**
 * Release control under steady load on three gateway processes sharing one redis-server: 20 weight
 * changes through the admin APIs and 20 config edits fail no request; the split follows each weight
 * change (200 seeded keys per step, binomial 4 sigma); each config edit is one audit entry by actor
 * `config`, whichever replica writes it.
 */
import { describe, expect, it } from 'vitest'
import { redisMissing } from '../helpers/redis.js'
import { mulberry32 } from '../../src/demo/songs.js'
import { admin, allApply, infer, MODEL, steadyLoad, setWeights, useFleet, withinFourSigma } from '../helpers/replicas.js'

const FILE = { v1: { weight: 90 }, v2: { weight: 10 } }
const rig = useFleet(3, FILE, { prefix: 'headliner:load', resyncMs: 1000 })

describe.skipIf(redisMissing() !== undefined)('three replicas on one Redis under steady load', () => {
  it('fails no request during 20 weight changes under steady load, and the split follows each change', async () => {
    const load = steadyLoad(rig.fleet.nodes.map((n) => n.data), 1)
    const random = mulberry32(20)
    try {
      for (let step = 0; step < 20; step++) {
        const v2 = [10, 50, 25, 75, 40][step % 5]!
        const weights = { v1: 100 - v2, v2 }
        await setWeights(rig.fleet, step % 3, weights)
        await allApply(rig.fleet, weights, performance.now())
        const keys = Array.from({ length: 200 }, () => `split-${step}-${Math.floor(random() * 1e9)}`)
        const answers = await Promise.all(keys.map((k, i) => infer(rig.fleet.nodes[i % 3]!.data, k)))
        const got = answers.filter((a) => a === 'v2').length
        expect(withinFourSigma(got, 200, v2 / 100), `step ${step}: v2 ${got}/200 at ${v2}%`).toBe(true)
      }
    } finally {
      const { ok, failed } = await load.stop()
      console.log(`20 weight changes under load: ${ok} requests answered, ${failed.length} failed`)
      expect(failed).toEqual([])
    }
  }, 60_000)

  it('fails no request during 20 config edits under steady load', async () => {
    await admin(rig.fleet.nodes[0]!.admin, 'DELETE', `/admin/models/${MODEL}/overrides`)
    await allApply(rig.fleet, { v1: 90, v2: 10 }, performance.now())
    const load = steadyLoad(rig.fleet.nodes.map((n) => n.data), 1)
    try {
      for (let edit = 0; edit < 20; edit++) {
        // Each edit a different change (one audit entry each; the same change within 10 s is recorded once).
        const v2 = 11 + edit
        rig.fleet.writeConfig({ v1: { weight: 100 - v2 }, v2: { weight: v2 } })
        await allApply(rig.fleet, { v1: 100 - v2, v2 }, performance.now(), 15_000)
      }
    } finally {
      const { ok, failed } = await load.stop()
      console.log(`20 config edits under load: ${ok} requests answered, ${failed.length} failed`)
      expect(failed).toEqual([])
    }
    // Every replica reloads the file; a lease lets one of them write each edit's entry.
    const { body } = await admin(rig.fleet.nodes[0]!.admin, 'GET', `/admin/audit?model=${MODEL}&limit=100`)
    const reloads = (body.entries as { actor: string; action: string }[]).filter((e) => e.actor === 'config')
    expect(reloads.length).toBe(20)
  }, 90_000)
})
