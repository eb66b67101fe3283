import { describe, expect, it } from 'vitest'
import { abort, MAX_RECORDS, pause, promote, resume, start, step } from '../../src/rollout/machine.js'
import { buildSpec } from '../../src/rollout/spec.js'
import type { Observations, RolloutSpec, RolloutState, Transition } from '../../src/rollout/types.js'

const PRE = { v1: 100, v2: 0 }
const spec = (extra: Partial<Parameters<typeof buildSpec>[0]> = {}): RolloutSpec =>
  buildSpec({ model: 'hit', candidate: 'v2', steps: [10, 50, 100], stepTimeMs: 60_000, maxStepTimeMs: 600_000, compare: 0, ...extra }, PRE)

const counts = (requests: number, errors: number) => ({ requests, errors, slow: 0 })
/** Counts at the step's split with the given error counts (candidate share = weight). */
function split (total: number, weight: number, candidateErrors: number, baselineErrors: number): Observations {
  const c = Math.round(total * weight / 100)
  return { versions: { v2: counts(c, candidateErrors), v1: counts(total - c, baselineErrors) } }
}
const HEALTHY = split(100_000, 10, 0, 0) // 10,000 candidate requests, no errors: passes on the floor
const BROKEN = split(10_000, 10, 300, 9) // 30 % of candidate calls fail
const QUIET = split(2_000, 10, 0, 0) // too few candidate requests for a verdict
const SKEWED = { versions: { v2: counts(0, 0), v1: counts(5_000, 0) } } // the candidate gets nothing
const HEALTHY_50 = split(100_000, 50, 0, 0)
/** The candidate ejected on one replica after 5 failures in a row: its share went to v1 (a skewed split). */
const EJECTED = { ...SKEWED, ejected: { v2: { replicas: 1, failures: 5 } } }

const running = (s: RolloutSpec, stepIndex = 0): RolloutState => ({ ...start(s, PRE, 0).state, stepIndex })
const types = (t: Transition): string[] => t.actions.map((a) => a.type === 'notify' ? `notify:${a.event}` : a.type)

interface Row {
  name: string
  spec: RolloutSpec
  from: RolloutState
  obs: Observations
  now: number
  status: RolloutState['status']
  stepIndex: number
  actions: string[]
  weights?: Record<string, number>
}

const s = spec()
const rows: Row[] = [
  { name: 'healthy before the step time: wait', spec: s, from: running(s), obs: HEALTHY, now: 30_000, status: 'running', stepIndex: 0, actions: ['record'] },
  { name: 'healthy after the step time: advance', spec: s, from: running(s), obs: HEALTHY, now: 60_000, status: 'running', stepIndex: 1, actions: ['record', 'setWeights', 'resetCounts', 'notify:step'], weights: { v1: 50, v2: 50 } },
  { name: 'healthy on the last step below 100: promote', spec: s, from: running(s, 1), obs: HEALTHY_50, now: 60_000, status: 'promoted', stepIndex: 2, actions: ['record', 'setWeights', 'notify:promoted'], weights: { v1: 0, v2: 100 } },
  { name: 'healthy on the last step with approval: pause for approval', spec: spec({ approval: 'manual' }), from: running(spec({ approval: 'manual' }), 1), obs: HEALTHY_50, now: 60_000, status: 'paused', stepIndex: 1, actions: ['record', 'needsApproval', 'notify:paused'] },
  { name: 'failing candidate at once: roll back', spec: s, from: running(s), obs: BROKEN, now: 1_000, status: 'rolled_back', stepIndex: 0, actions: ['record', 'setWeights', 'notify:rolled_back'], weights: PRE },
  { name: 'candidate ejected (its split skewed too): roll back, not pause', spec: s, from: running(s), obs: EJECTED, now: 1_000, status: 'rolled_back', stepIndex: 0, actions: ['record', 'setWeights', 'notify:rolled_back'], weights: PRE },
  { name: 'candidate ejected on a healthy split: roll back', spec: s, from: running(s), obs: { ...HEALTHY, ejected: { v2: { replicas: 2, failures: 5 } } }, now: 60_000, status: 'rolled_back', stepIndex: 0, actions: ['record', 'setWeights', 'notify:rolled_back'], weights: PRE },
  { name: 'baseline ejected: not the candidate\'s failure, the split check pauses', spec: s, from: running(s), obs: { ...SKEWED, ejected: { v1: { replicas: 1, failures: 5 } } }, now: 1_000, status: 'paused', stepIndex: 0, actions: ['record', 'notify:paused'] },
  { name: 'sample-ratio mismatch: pause', spec: s, from: running(s), obs: SKEWED, now: 1_000, status: 'paused', stepIndex: 0, actions: ['record', 'notify:paused'] },
  { name: 'undecided before the max step time: wait', spec: s, from: running(s), obs: QUIET, now: 599_000, status: 'running', stepIndex: 0, actions: ['record'] },
  { name: 'undecided past the max step time: pause (default)', spec: s, from: running(s), obs: QUIET, now: 600_000, status: 'paused', stepIndex: 0, actions: ['record', 'notify:paused'] },
  { name: 'undecided past the max step time with onMaxStepTime rollback', spec: spec({ onMaxStepTime: 'rollback' }), from: running(spec({ onMaxStepTime: 'rollback' })), obs: QUIET, now: 600_000, status: 'rolled_back', stepIndex: 0, actions: ['record', 'setWeights', 'notify:rolled_back'], weights: PRE },
  { name: 'no traffic at all: wait, never advance', spec: s, from: running(s), obs: { versions: {} }, now: 60_000, status: 'running', stepIndex: 0, actions: ['record'] },
  { name: 'paused: evaluations do nothing', spec: s, from: { ...running(s), status: 'paused' }, obs: BROKEN, now: 1_000, status: 'paused', stepIndex: 0, actions: [] },
  { name: 'rolled back: evaluations do nothing', spec: s, from: { ...running(s), status: 'rolled_back' }, obs: HEALTHY, now: 60_000, status: 'rolled_back', stepIndex: 0, actions: [] }
]

describe('step: every evaluation transition', () => {
  it.each(rows)('$name', (row) => {
    const t = step(row.spec, row.from, row.obs, row.now)
    expect(t.state.status).toBe(row.status)
    expect(t.state.stepIndex).toBe(row.stepIndex)
    expect(types(t)).toEqual(row.actions)
    if (row.weights) expect(t.actions.find((a) => a.type === 'setWeights')).toEqual({ type: 'setWeights', weights: row.weights })
    if (row.actions.includes('record')) expect(t.state.records.at(-1)?.at).toBe(row.now)
  })
})

describe('an ejected candidate', () => {
  it('is rolled back with the ejection as the reason, in the record and the state', () => {
    const t = step(s, running(s), EJECTED, 1_000)
    expect(t.state.reason).toMatch(/^rolled back: ejected by outlier detection: 5 failures in a row/)
    expect(t.state.records.at(-1)?.words).toMatch(/^ejected by outlier detection: 5 failures in a row/)
    // Fleet-wide: how many replicas ejected it is said too.
    expect(step(s, running(s), { ...HEALTHY, ejected: { v2: { replicas: 3, failures: 7 } } }, 1_000).state.reason).toContain('ejected by outlier detection: 7 failures in a row (on 3 replicas)')
  })
})

describe('manual commands', () => {
  const base = running(s)
  const paused = { ...base, status: 'paused' as const }
  it('start sets the first step weights and resets the counts', () => {
    const t = start(spec(), { v1: 80, v3: 20, v2: 0 }, 5)
    expect(t.state).toMatchObject({ status: 'running', stepIndex: 0, stepStartedAt: 5, preRolloutWeights: { v1: 80, v3: 20, v2: 0 } })
    // A third version keeps its share of the rest.
    expect(t.actions[0]).toEqual({ type: 'setWeights', weights: { v1: 72, v3: 18, v2: 10 } })
    expect(types(t)).toEqual(['setWeights', 'resetCounts', 'notify:step'])
  })
  const table: { name: string, run: () => Transition, status: RolloutState['status'], actions: string[] }[] = [
    { name: 'pause a running rollout', run: () => pause(s, base, 1), status: 'paused', actions: ['notify:paused'] },
    { name: 'resume a paused one: fresh counts', run: () => resume(s, paused, 9), status: 'running', actions: ['setWeights', 'resetCounts'] },
    { name: 'abort a running one', run: () => abort(s, base, 1), status: 'aborted', actions: ['setWeights', 'notify:rolled_back'] },
    { name: 'abort a paused one', run: () => abort(s, paused, 1), status: 'aborted', actions: ['setWeights', 'notify:rolled_back'] },
    { name: 'promote a paused one (the approval)', run: () => promote(s, paused, 1), status: 'promoted', actions: ['setWeights', 'notify:promoted'] },
    { name: 'promote a running one', run: () => promote(s, base, 1), status: 'promoted', actions: ['setWeights', 'notify:promoted'] }
  ]
  it.each(table)('$name', ({ run, status, actions }) => {
    const t = run()
    expect(t.state.status).toBe(status)
    expect(types(t)).toEqual(actions)
  })
  it('resume restarts the step clock', () => {
    expect(resume(s, paused, 9).state.stepStartedAt).toBe(9)
  })
  it('abort restores the pre-rollout weights', () => {
    expect(abort(s, base, 1).actions[0]).toEqual({ type: 'setWeights', weights: PRE })
  })
  const refused: [string, () => Transition][] = [
    ['pause a paused rollout', () => pause(s, paused, 1)],
    ['resume a running one', () => resume(s, base, 1)],
    ['abort a promoted one', () => abort(s, { ...base, status: 'promoted' }, 1)],
    ['promote a rolled-back one', () => promote(s, { ...base, status: 'rolled_back' }, 1)]
  ]
  it.each(refused)('refuses to %s with a 409', (_name, run) => {
    expect(run).toThrow(expect.objectContaining({ code: 'HEADLINER_ERR_ROLLOUT_STATE', statusCode: 409 }))
  })
})

describe('records', () => {
  it(`keep at most ${MAX_RECORDS}, dropping the oldest waits but never a transition`, () => {
    let state = running(s)
    state = step(s, state, SKEWED, 1).state // pause record
    state = resume(s, state, 2).state
    const waits = MAX_RECORDS + 100
    for (let t = 3; t < 3 + waits; t++) state = step(s, state, QUIET, t).state
    expect(state.records.length).toBe(MAX_RECORDS)
    expect(state.records[0]?.decision).toBe('pause')
    // 1 pause + waits records, MAX_RECORDS kept: the first (waits + 1 - MAX_RECORDS) waits are gone.
    expect(state.records[1]?.at).toBe(3 + waits + 1 - MAX_RECORDS)
  })
})

describe('buildSpec', () => {
  it('picks the heaviest serving version as the baseline and fills the defaults', () => {
    const built = buildSpec({ model: 'hit', candidate: 'v3' }, { v1: 30, v2: 70, v3: 0 })
    expect(built).toMatchObject({ baseline: 'v2', steps: [5, 25, 50, 100], stepTimeMs: 60_000, maxStepTimeMs: 600_000, onMaxStepTime: 'pause' })
    expect(built.gates.errors).toEqual({ margin: 1.5, floor: 0.001, minSamples: 500 })
    // Copies of 10 % of the baseline's requests, judged by the agreement gate.
    expect(built.compare).toBe(10)
    expect(built.gates.predictions).toEqual({ agreementFloor: 0.9, minPairs: 100 })
  })
  it('keeps a given agreement gate, and judges none with compare 0', () => {
    expect(buildSpec({ model: 'hit', candidate: 'v2', compare: 50, gates: { predictions: { agreementFloor: 0.8, minPairs: 40 } } }, PRE).gates.predictions).toEqual({ agreementFloor: 0.8, minPairs: 40 })
    const off = buildSpec({ model: 'hit', candidate: 'v2', compare: 0 }, PRE)
    expect(off.compare).toBe(0)
    expect(off.gates.predictions).toBeUndefined()
  })
  const bad: [string, Parameters<typeof buildSpec>[0], string][] = [
    ['unknown candidate', { model: 'hit', candidate: 'v9' }, 'rollout candidate: model "hit" has no version "v9"'],
    ['steps not increasing', { model: 'hit', candidate: 'v2', steps: [10, 10, 100] }, 'rollout steps[1]: must be above the step before (10); got 10'],
    ['last step not 100', { model: 'hit', candidate: 'v2', steps: [10, 50] }, 'rollout steps[1]: the last step must be 100 (got 50)'],
    ['margin 1', { model: 'hit', candidate: 'v2', gates: { errors: { margin: 1 } } }, 'rollout gates.errors.margin: must be > 1'],
    ['compare above 100', { model: 'hit', candidate: 'v2', compare: 101 }, 'rollout compare: must be a percent in [0, 100] (got 101)'],
    ['max step time below step time', { model: 'hit', candidate: 'v2', stepTimeMs: 60_000, maxStepTimeMs: 1_000 }, 'rollout maxStepTimeMs: must be >= stepTimeMs 60000 (got 1000)']
  ]
  it.each(bad)('rejects %s with a 400 naming the field', (_name, request, message) => {
    expect(() => buildSpec(request, PRE)).toThrow(expect.objectContaining({ code: 'HEADLINER_ERR_BAD_REQUEST', statusCode: 400, message: expect.stringContaining(message) }))
  })
})
