/**
 * The rollout state machine, pure: (spec, state, observations, now) -> (state, actions). The driver
 * owns the clock, the store and the side effects; it applies the actions in order.
 *
 *   running(step i) --all gates pass, step time over--> running(step i + 1)
 *   running(last step below 100) --all pass--> promoted (or paused awaiting approval)
 *   running --any gate fails, or the candidate was ejected--> rolled_back (pre-rollout weights at once)
 *   running --sample-ratio mismatch--> paused
 *   running --undecided past maxStepTime--> paused (default) or rolled_back
 *
 * By hand: pause, resume, abort (rolled back by a person: `aborted`), promote.
 */
import { errors } from '../errors.js'
import { evaluateGates } from './analysis.js'
import { stepWeights } from './spec.js'
import type { Action, Decision, DecisionRecord, GateResult, Observations, RolloutSpec, RolloutState, Transition, Weights } from './types.js'

/** Records kept in the state. Waits beyond this drop the oldest wait first; every transition stays. */
export const MAX_RECORDS = 1000

/** Weights while the rollout is at `stepIndex`. */
export function weightsAt (spec: RolloutSpec, state: Pick<RolloutState, 'preRolloutWeights'>, stepIndex: number): Weights {
  return stepWeights(state.preRolloutWeights, spec.candidate, spec.steps[stepIndex] as number)
}

export interface Verdict {
  gates: GateResult[]
  decision: Decision
  words: string
}

const seconds = (ms: number): string => `${Math.round(ms / 1000)} s`

/** Why an ejected candidate failed its step, or undefined when it was not ejected. */
export function ejectionWords (spec: RolloutSpec, obs: Observations): string | undefined {
  const e = obs.ejected?.[spec.candidate]
  if (e === undefined || !(e.replicas > 0)) return undefined
  return `ejected by outlier detection: ${e.failures} failures in a row${e.replicas > 1 ? ` (on ${e.replicas} replicas)` : ''}`
}

/**
 * The decision rule for one evaluation, a function of the record's inputs only (what replay re-runs):
 * abort on any failed gate or an ejected candidate; pause on a sample-ratio mismatch; advance when
 * every gate passes and the step time is over; past the max step time pause or roll back; otherwise wait.
 *
 * An ejected candidate is checked before the split: ejection sends its share elsewhere, so the split
 * check would otherwise pause (blame the routing) a candidate that failed on its own.
 */
export function decide (spec: RolloutSpec, stepIndex: number, stepStartedAt: number, weights: Weights, obs: Observations, now: number): Verdict {
  const gates = evaluateGates({ settings: spec.gates, candidate: spec.candidate, baseline: spec.baseline, weights }, obs)
  const failed = gates.filter((g) => g.result === 'fail' && g.gate !== 'srm')
  const ejected = ejectionWords(spec, obs)
  if (ejected !== undefined || failed.length > 0) return { gates, decision: 'rollback', words: [...(ejected === undefined ? [] : [ejected]), ...failed.map((g) => `${g.gate}: ${g.words}`)].join('; ') }
  const srm = gates.find((g) => g.gate === 'srm')
  if (srm?.result === 'fail') return { gates, decision: 'pause', words: `srm: ${srm.words}` }
  const elapsed = now - stepStartedAt
  const waiting = gates.filter((g) => g.result !== 'pass')
  if (waiting.length === 0 && elapsed >= spec.stepTimeMs) {
    const words = `every gate passed after ${seconds(elapsed)}`
    if (stepIndex + 1 < spec.steps.length - 1) return { gates, decision: 'advance', words }
    return { gates, decision: spec.approval ? 'await_approval' : 'promote', words }
  }
  const why = waiting.length === 0 ? `every gate passed; the step time ${seconds(spec.stepTimeMs)} is not over` : waiting.map((g) => `${g.gate}: ${g.words}`).join('; ')
  if (elapsed >= spec.maxStepTimeMs) {
    const decision = spec.onMaxStepTime === 'rollback' ? 'rollback' : 'pause'
    return { gates, decision, words: `no verdict within the max step time ${seconds(spec.maxStepTimeMs)}: ${why}` }
  }
  return { gates, decision: 'wait', words: why }
}

function keep (records: DecisionRecord[], record: DecisionRecord): DecisionRecord[] {
  const out = [...records, record]
  if (out.length > MAX_RECORDS) {
    const oldestWait = out.findIndex((r) => r.decision === 'wait')
    out.splice(oldestWait >= 0 ? oldestWait : 0, 1)
  }
  return out
}

/** Start a rollout from the model's current weights. */
export function start (spec: RolloutSpec, currentWeights: Weights, now: number): Transition {
  const state: RolloutState = {
    status: 'running', stepIndex: 0, stepStartedAt: now, preRolloutWeights: { ...currentWeights },
    records: [], reason: `started: ${spec.candidate} at ${spec.steps[0]} %`, awaitingApproval: false
  }
  return { state, actions: [{ type: 'setWeights', weights: weightsAt(spec, state, 0) }, { type: 'resetCounts' }, { type: 'notify', event: 'step', reason: state.reason }] }
}

/** One evaluation of a running rollout; any other status is left as it is, with no actions. */
export function step (spec: RolloutSpec, state: RolloutState, obs: Observations, now: number): Transition {
  if (state.status !== 'running') return { state, actions: [] }
  const weights = weightsAt(spec, state, state.stepIndex)
  const verdict = decide(spec, state.stepIndex, state.stepStartedAt, weights, obs, now)
  const record: DecisionRecord = { at: now, step: state.stepIndex, weights, stepStartedAt: state.stepStartedAt, observations: structuredClone(obs), ...verdict }
  const records = keep(state.records, record)
  const recorded: Action = { type: 'record', record }
  switch (verdict.decision) {
    case 'wait':
      return { state: { ...state, records }, actions: [recorded] }
    case 'advance': {
      const stepIndex = state.stepIndex + 1
      const reason = `step ${stepIndex + 1}: ${spec.candidate} at ${spec.steps[stepIndex]} % (${verdict.words})`
      const next = { ...state, records, stepIndex, stepStartedAt: now, reason }
      return { state: next, actions: [recorded, { type: 'setWeights', weights: weightsAt(spec, next, stepIndex) }, { type: 'resetCounts' }, { type: 'notify', event: 'step', reason }] }
    }
    case 'promote':
      return promoted(spec, { ...state, records }, `promoted: ${verdict.words}`, [recorded])
    case 'await_approval': {
      const reason = `waiting for approval before 100 % (${verdict.words})`
      return { state: { ...state, records, status: 'paused', awaitingApproval: true, reason }, actions: [recorded, { type: 'needsApproval' }, { type: 'notify', event: 'paused', reason }] }
    }
    case 'pause': {
      const reason = `paused: ${verdict.words}`
      return { state: { ...state, records, status: 'paused', reason }, actions: [recorded, { type: 'notify', event: 'paused', reason }] }
    }
    case 'rollback':
      return rolledBack({ ...state, records }, 'rolled_back', `rolled back: ${verdict.words}`, [recorded])
  }
}

function promoted (spec: RolloutSpec, state: RolloutState, reason: string, before: Action[]): Transition {
  const stepIndex = spec.steps.length - 1
  const next: RolloutState = { ...state, status: 'promoted', stepIndex, awaitingApproval: false, reason }
  return { state: next, actions: [...before, { type: 'setWeights', weights: weightsAt(spec, next, stepIndex) }, { type: 'notify', event: 'promoted', reason }] }
}

function rolledBack (state: RolloutState, status: 'rolled_back' | 'aborted', reason: string, before: Action[]): Transition {
  return {
    state: { ...state, status, awaitingApproval: false, reason },
    actions: [...before, { type: 'setWeights', weights: { ...state.preRolloutWeights } }, { type: 'notify', event: 'rolled_back', reason }]
  }
}

function expect (spec: RolloutSpec, state: RolloutState, allowed: RolloutState['status'][], command: string): void {
  if (!allowed.includes(state.status)) throw errors.rolloutState(spec.model, state.status, command)
}

/** Pause a running rollout: the step's weights stay, evaluations stop until resume. */
export function pause (spec: RolloutSpec, state: RolloutState, _now: number, reason = 'paused by hand'): Transition {
  expect(spec, state, ['running'], 'pause')
  return { state: { ...state, status: 'paused', reason }, actions: [{ type: 'notify', event: 'paused', reason }] }
}

/** Resume a paused rollout: the current step starts again with fresh counts and a fresh step time. */
export function resume (spec: RolloutSpec, state: RolloutState, now: number): Transition {
  expect(spec, state, ['paused'], 'resume')
  const reason = `resumed at step ${state.stepIndex + 1} (${spec.steps[state.stepIndex]} %)`
  const next: RolloutState = { ...state, status: 'running', stepStartedAt: now, awaitingApproval: false, reason }
  return { state: next, actions: [{ type: 'setWeights', weights: weightsAt(spec, next, state.stepIndex) }, { type: 'resetCounts' }] }
}

/** Abort by hand: the pre-rollout weights come back at once. */
export function abort (spec: RolloutSpec, state: RolloutState, _now: number, reason = 'aborted by hand'): Transition {
  expect(spec, state, ['running', 'paused'], 'abort')
  return rolledBack(state, 'aborted', reason, [])
}

/** Promote by hand (also how an approval completes): the candidate goes to 100 % now. */
export function promote (spec: RolloutSpec, state: RolloutState, _now: number, reason = 'promoted by hand'): Transition {
  expect(spec, state, ['running', 'paused'], 'promote')
  return promoted(spec, state, reason, [])
}
