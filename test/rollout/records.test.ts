import { describe, expect, it } from 'vitest'
import { start, step } from '../../src/rollout/machine.js'
import { explain, replay } from '../../src/rollout/records/explain.js'
import { simSpec } from '../../src/rollout/sim.js'
import { buildSpec } from '../../src/rollout/spec.js'
import type { Observations, RolloutSpec, RolloutState } from '../../src/rollout/types.js'
import { mulberry32 } from '../../src/demo/songs.js'

const PRE = { v1: 100, v2: 0 }

/** A seeded three-step rollout of a healthy candidate evaluated every 5 s: advances, then promotes. */
function healthyRun (): { spec: RolloutSpec, state: RolloutState } {
  const spec = buildSpec({ model: 'hit', candidate: 'v2', steps: [10, 50, 100], stepTimeMs: 60_000, compare: 0 }, PRE)
  const random = mulberry32(7)
  let state = start(spec, PRE, 0).state
  let obs: Observations = { versions: { v1: { requests: 0, errors: 0, slow: 0 }, v2: { requests: 0, errors: 0, slow: 0 } } }
  for (let t = 5; t <= 3_600 && state.status === 'running'; t += 5) {
    const w = (spec.steps[state.stepIndex] as number) / 100
    for (let i = 0; i < 2_000; i++) {
      const v = obs.versions[random() < w ? 'v2' : 'v1']!
      v.requests++
      if (random() < 0.0001) v.errors++
      if (random() < 0.0001) v.slow++
    }
    const next = step(spec, state, obs, t * 1000)
    if (next.actions.some((a) => a.type === 'resetCounts')) obs = { versions: { v1: { requests: 0, errors: 0, slow: 0 }, v2: { requests: 0, errors: 0, slow: 0 } } }
    state = next.state
  }
  return { spec, state }
}

describe('replay', () => {
  it('reproduces every decision of a rollout that advanced and promoted', () => {
    const { spec, state } = healthyRun()
    expect(state.status).toBe('promoted')
    const decisions = new Set(state.records.map((r) => r.decision))
    expect(decisions).toEqual(new Set(['wait', 'advance', 'promote']))
    expect(replay(spec, state.records)).toEqual([])
  })

  it('reproduces a rollback, and survives a JSON round trip (as stored)', () => {
    const spec = buildSpec({ model: 'hit', candidate: 'v2', steps: [10, 100], compare: 0 }, PRE)
    const { state } = start(spec, PRE, 0)
    const obs: Observations = { versions: { v2: { requests: 2310, errors: 41, slow: 0 }, v1: { requests: 20790, errors: 9, slow: 0 } } }
    const after = step(spec, state, obs, 30_000).state
    expect(after.status).toBe('rolled_back')
    const stored = JSON.parse(JSON.stringify(after.records))
    expect(replay(spec, stored)).toEqual([])
  })

  it('names the record whose stored decision the rule no longer gives', () => {
    const { spec, state } = healthyRun()
    const tampered = structuredClone(state.records)
    const i = tampered.findIndex((r) => r.decision === 'advance')
    tampered[i]!.observations.versions.v2!.errors += 200 // as if the counts had been edited
    const mismatches = replay(spec, tampered)
    expect(mismatches).toHaveLength(1)
    expect(mismatches[0]).toMatchObject({ index: i, stored: 'advance', replayed: 'rollback' })
    expect(mismatches[0]!.detail).toContain('errors: stored pass')
  })

  it('notices a changed spec (another margin changes the statistics)', () => {
    const { spec, state } = healthyRun()
    const other = { ...spec, gates: { ...spec.gates, errors: { ...spec.gates.errors, floor: 0.01 } } }
    expect(replay(other, state.records).length).toBeGreaterThan(0)
  })
})

describe('explain', () => {
  it('prints the rollback in plain words with the counts and the e-value', () => {
    const spec = buildSpec({ model: 'hit', candidate: 'v2', steps: [10, 100], compare: 0 }, PRE)
    const obs: Observations = { versions: { v2: { requests: 2310, errors: 41, slow: 0 }, v1: { requests: 20790, errors: 9, slow: 0 } } }
    const { state } = step(spec, start(spec, PRE, 0).state, obs, 30_000)
    const text = explain(spec, state.records)
    expect(text).toContain('rollout of hit: v2 against v1, steps 10, 100 %; 1 evaluations')
    expect(text).toContain('1970-01-01T00:00:30.000Z step 1 (v2 at 10 %, 30 s in): rolled back')
    expect(text).toMatch(/errors fail: v2 errors 41 of 2,310 vs v1 9 of 20,790: e-value [\d,.e+]+ >= 40, the candidate's error rate is higher than the baseline's/)
  })

  it('shortens runs of waits to their last record unless asked for all', () => {
    const { spec, state } = healthyRun()
    const short = explain(spec, state.records)
    const full = explain(spec, state.records, { all: true })
    const heads = (text: string) => text.split('\n').filter((l) => /^\d{4}-/.test(l))
    expect(heads(full)).toHaveLength(state.records.length)
    // Per step: its last wait and the transition.
    expect(heads(short).map((l) => l.replace(/^.*: /, ''))).toEqual(['waited', 'advanced', 'waited', 'promoted'])
    expect(short).toContain('earlier waits not shown')
  })

  it('says when nothing was evaluated yet', () => {
    expect(explain(simSpec({ seconds: 1, requestsPerSecond: 1, weight: 10, baseline: { errorRate: 0, slowRate: 0 }, candidate: { errorRate: 0, slowRate: 0 } }), [])).toContain('no evaluation yet')
  })
})
