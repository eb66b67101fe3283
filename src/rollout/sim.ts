/**
 * A seeded simulation of one rollout step on a simulated clock: every second a number of requests
 * arrives, each is routed to the candidate with the step's weight, and each fails or is slow with its
 * version's probability (Bernoulli draws from the seeded generator). The pure machine is evaluated
 * every `evaluateEveryS` seconds on the cumulative counts, as the driver would. No real time passes.
 *
 * Used by the test suite (a small run) and bench/rollout-sim.js (the 1,000-run figures).
 */
import { mulberry32 } from '../demo/songs.js'
import { start, step } from './machine.js'
import { buildSpec } from './spec.js'
import type { Observations, RolloutSpec, RolloutStatus } from './types.js'

export interface Scenario {
  /** Length of the run: the step time is set beyond it, so a healthy candidate is looked at all along. */
  seconds: number
  requestsPerSecond: number
  /** Candidate weight of the simulated step (%). */
  weight: number
  baseline: { errorRate: number, slowRate: number }
  candidate: { errorRate: number, slowRate: number }
  /** A broken route: requests meant for the candidate never reach it (they are not counted at all). */
  candidateUnreachable?: boolean
  evaluateEveryS?: number
}

export interface Outcome {
  status: RolloutStatus
  /** Simulated second of the rollback or pause, if any. */
  endedAtS?: number
  /** First second at which the errors gate passed (evidence of non-inferiority), if ever. */
  errorsPassAtS?: number
  reason: string
}

/**
 * The spec the simulation judges with: default gates, one step at `weight`, then 100. No comparisons
 * (compare 0): the simulation has no shadow pairs, and its figures are those of the errors and latency gates.
 */
export function simSpec (scenario: Scenario): RolloutSpec {
  const horizonMs = (scenario.seconds + 1) * 1000
  return buildSpec({ model: 'sim', candidate: 'v2', baseline: 'v1', steps: [scenario.weight, 100], stepTimeMs: horizonMs, maxStepTimeMs: horizonMs, compare: 0 }, { v1: 100, v2: 0 })
}

function bernoulliCount (trials: number, p: number, random: () => number): number {
  let k = 0
  for (let i = 0; i < trials; i++) if (random() < p) k++
  return k
}

/** Run one seeded rollout step and report how it ended. */
export function simulate (scenario: Scenario, seed: number): Outcome {
  const random = mulberry32(seed)
  const spec = simSpec(scenario)
  const every = scenario.evaluateEveryS ?? 1
  let { state } = start(spec, { v1: 100, v2: 0 }, 0)
  const obs: Observations = {
    versions: { v1: { requests: 0, errors: 0, slow: 0 }, v2: { requests: 0, errors: 0, slow: 0 } }
  }
  const v1 = obs.versions.v1 as { requests: number, errors: number, slow: number }
  const v2 = obs.versions.v2 as { requests: number, errors: number, slow: number }
  const share = scenario.weight / 100
  let errorsPassAtS: number | undefined
  for (let t = 1; t <= scenario.seconds; t++) {
    const toCandidate = bernoulliCount(scenario.requestsPerSecond, share, random)
    const toBaseline = scenario.requestsPerSecond - toCandidate
    v1.requests += toBaseline
    v1.errors += bernoulliCount(toBaseline, scenario.baseline.errorRate, random)
    v1.slow += bernoulliCount(toBaseline, scenario.baseline.slowRate, random)
    if (!scenario.candidateUnreachable) {
      v2.requests += toCandidate
      v2.errors += bernoulliCount(toCandidate, scenario.candidate.errorRate, random)
      v2.slow += bernoulliCount(toCandidate, scenario.candidate.slowRate, random)
    }
    if (t % every !== 0) continue
    const next = step(spec, state, obs, t * 1000)
    state = next.state
    const record = state.records[state.records.length - 1]
    if (errorsPassAtS === undefined && record?.gates.some((g) => g.gate === 'errors' && g.result === 'pass')) errorsPassAtS = t
    if (state.status !== 'running') {
      return { status: state.status, endedAtS: t, reason: state.reason, ...(errorsPassAtS !== undefined ? { errorsPassAtS } : {}) }
    }
  }
  return { status: state.status, reason: state.reason, ...(errorsPassAtS !== undefined ? { errorsPassAtS } : {}) }
}
