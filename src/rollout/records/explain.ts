/**
 * Decision records in words (`headliner rollout explain`) and replay: every record holds the inputs of
 * its evaluation (step, weights, step start, counts, time), so re-running them through the pure
 * decision rule must give the same decision and the same gate statistics. A mismatch means the code
 * or the spec changed since the rollout ran, and replay says which record and how.
 */
import { decide, ejectionWords } from '../machine.js'
import type { Decision, DecisionRecord, RolloutSpec } from '../types.js'

const VERB: Record<Decision, string> = {
  wait: 'waited',
  advance: 'advanced',
  await_approval: 'asked for approval',
  promote: 'promoted',
  rollback: 'rolled back',
  pause: 'paused'
}

export interface ExplainOptions {
  /** Also print the evaluations that only waited (by default only the last wait before each change is kept). */
  all?: boolean
}

function line (spec: RolloutSpec, r: DecisionRecord): string {
  const weight = r.weights[spec.candidate] ?? 0
  const since = Math.round((r.at - r.stepStartedAt) / 1000)
  const head = `${new Date(r.at).toISOString()} step ${r.step + 1} (${spec.candidate} at ${weight} %, ${since} s in): ${VERB[r.decision]}`
  const gates = r.gates.map((g) => `    ${g.gate} ${g.result}: ${g.words}`)
  // An ejection is not a gate (no statistic): it is the candidate's own failure, shown first.
  const ejected = ejectionWords(spec, r.observations)
  return [head, ...(ejected === undefined ? [] : [`    ${ejected}`]), ...gates].join('\n')
}

/**
 * Why each step advanced, waited, paused or rolled back, oldest first. Runs of waits are shortened to
 * their last record (the one with the most evidence) unless `all` is set.
 */
export function explain (spec: RolloutSpec, records: DecisionRecord[], options: ExplainOptions = {}): string {
  if (records.length === 0) return `rollout of ${spec.model} to ${spec.candidate}: no evaluation yet`
  const shown = options.all
    ? records
    : records.filter((r, i) => r.decision !== 'wait' || i === records.length - 1 || records[i + 1]?.decision !== 'wait' || records[i + 1]?.step !== r.step)
  const skipped = records.length - shown.length
  const title = `rollout of ${spec.model}: ${spec.candidate} against ${spec.baseline}, steps ${spec.steps.join(', ')} %; ${records.length} evaluations${skipped > 0 ? ` (${skipped} earlier waits not shown)` : ''}`
  return [title, ...shown.map((r) => line(spec, r))].join('\n')
}

export interface Mismatch {
  index: number
  at: number
  stored: Decision
  replayed: Decision
  detail: string
}

/** Re-run every record through the decision rule; an empty list means every decision was reproduced. */
export function replay (spec: RolloutSpec, records: DecisionRecord[]): Mismatch[] {
  const out: Mismatch[] = []
  records.forEach((r, index) => {
    const v = decide(spec, r.step, r.stepStartedAt, r.weights, r.observations, r.at)
    const gateDiff = r.gates
      .map((g, i) => ({ g, again: v.gates[i] }))
      .filter(({ g, again }) => again === undefined || again.gate !== g.gate || again.result !== g.result || again.statistic !== g.statistic)
      .map(({ g, again }) => `${g.gate}: stored ${g.result} ${g.statistic}, replayed ${again ? `${again.result} ${again.statistic}` : 'missing'}`)
    if (v.gates.length !== r.gates.length) gateDiff.push(`stored ${r.gates.length} gates, replayed ${v.gates.length}`)
    if (v.decision !== r.decision || gateDiff.length > 0) {
      out.push({ index, at: r.at, stored: r.decision, replayed: v.decision, detail: gateDiff.join('; ') })
    }
  })
  return out
}
