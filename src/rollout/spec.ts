/**
 * Building a RolloutSpec: the documented defaults in one visible object, the checks that make every
 * later step safe (the machine never sees an impossible spec), and the weights of each step.
 */
import { errors } from '../errors.js'
import type { GateSettings, RolloutSpec, Weights } from './types.js'

export const DEFAULT_GATES: GateSettings = Object.freeze({
  alpha: 0.05,
  errors: { margin: 1.5, floor: 0.001, minSamples: 500 },
  latency: { sloMs: 500, margin: 1.5, floor: 0.001, minSamples: 500 },
  srm: { pValue: 0.001 }
}) as GateSettings

/**
 * The agreement gate a rollout judges when it compares (compare > 0) and names no other: top-1
 * agreement with the baseline at least 0.9, on at least 100 pairs (a candidate that always agrees
 * passes at about 90 pairs, one that agrees 97 % of the time at about 210).
 */
export const DEFAULT_PREDICTIONS = Object.freeze({ agreementFloor: 0.9, minPairs: 100 })

export const DEFAULTS = Object.freeze({
  steps: [5, 25, 50, 100],
  stepTimeMs: 60_000,
  maxStepTimeMs: 600_000,
  onMaxStepTime: 'pause' as const,
  /** Percent of the baseline's requests copied to the candidate for the agreement gate. */
  compare: 10
})

export interface RolloutRequest {
  model: string
  candidate: string
  baseline?: string
  steps?: number[]
  stepTimeMs?: number
  maxStepTimeMs?: number
  onMaxStepTime?: 'pause' | 'rollback'
  gates?: Partial<Omit<GateSettings, 'errors' | 'latency' | 'srm'>> & {
    errors?: Partial<GateSettings['errors']>
    latency?: Partial<GateSettings['latency']>
    srm?: Partial<GateSettings['srm']>
  }
  approval?: 'manual' | 'webhook'
  /** Percent of the baseline's requests copied to the candidate (0-100, 0: none). Default 10. */
  compare?: number
}

function bad (where: string, what: string): never {
  throw errors.badRequest(`rollout ${where}`, what)
}

function positive (value: number, where: string): void {
  if (!(Number.isFinite(value) && value > 0)) bad(where, `must be a number > 0 (got ${value})`)
}

function share (value: number, where: string): void {
  if (!(value > 0 && value < 1)) bad(where, `must be between 0 and 1, exclusive (got ${value})`)
}

/** The serving version with the most weight, other than the candidate (ties: the first in order). */
export function defaultBaseline (weights: Weights, candidate: string): string | undefined {
  let best: string | undefined
  for (const [version, weight] of Object.entries(weights)) {
    if (version !== candidate && weight > 0 && (best === undefined || weight > (weights[best] as number))) best = version
  }
  return best
}

/**
 * The full spec for a request, with defaults filled in.
 * @throws HeadlinerError HEADLINER_ERR_BAD_REQUEST naming the field and what is wrong with it
 */
export function buildSpec (request: RolloutRequest, currentWeights: Weights): RolloutSpec {
  const { model, candidate } = request
  if (!(candidate in currentWeights)) bad('candidate', `model "${model}" has no version "${candidate}"`)
  const baseline = request.baseline ?? defaultBaseline(currentWeights, candidate)
  if (baseline === undefined) bad('baseline', `model "${model}" has no serving version other than "${candidate}" to compare with`)
  if (!(baseline in currentWeights)) bad('baseline', `model "${model}" has no version "${baseline}"`)
  if (baseline === candidate) bad('baseline', `must differ from the candidate "${candidate}"`)
  if (!((currentWeights[baseline] as number) > 0)) bad('baseline', `"${baseline}" has weight 0: it serves nothing to compare with`)
  const steps = request.steps ?? DEFAULTS.steps
  if (steps.length < 2) bad('steps', `need at least one step below 100 and the last at 100 (got [${steps.join(', ')}])`)
  steps.forEach((s, i) => {
    if (!(s > 0 && s <= 100)) bad(`steps[${i}]`, `must be in (0, 100] (got ${s})`)
    if (i > 0 && !(s > (steps[i - 1] as number))) bad(`steps[${i}]`, `must be above the step before (${steps[i - 1]}); got ${s}`)
  })
  if (steps[steps.length - 1] !== 100) bad(`steps[${steps.length - 1}]`, `the last step must be 100 (got ${steps[steps.length - 1]})`)
  const stepTimeMs = request.stepTimeMs ?? DEFAULTS.stepTimeMs
  positive(stepTimeMs, 'stepTimeMs')
  const maxStepTimeMs = request.maxStepTimeMs ?? Math.max(DEFAULTS.maxStepTimeMs, 10 * stepTimeMs)
  if (!(maxStepTimeMs >= stepTimeMs)) bad('maxStepTimeMs', `must be >= stepTimeMs ${stepTimeMs} (got ${maxStepTimeMs})`)
  const compare = request.compare ?? DEFAULTS.compare
  if (!(Number.isFinite(compare) && compare >= 0 && compare <= 100)) bad('compare', `must be a percent in [0, 100] (got ${compare})`)
  const g = request.gates ?? {}
  const gates: GateSettings = {
    alpha: g.alpha ?? DEFAULT_GATES.alpha,
    errors: { ...DEFAULT_GATES.errors, ...g.errors },
    latency: { ...DEFAULT_GATES.latency, ...g.latency },
    srm: { ...DEFAULT_GATES.srm, ...g.srm },
    // Copies without a gate would cost the candidate traffic for nothing: comparing turns the gate on.
    ...(g.predictions ? { predictions: g.predictions } : compare > 0 ? { predictions: { ...DEFAULT_PREDICTIONS } } : {}),
    ...(g.drift ? { drift: g.drift } : {})
  }
  share(gates.alpha, 'gates.alpha')
  for (const name of ['errors', 'latency'] as const) {
    const s = gates[name]
    if (!(s.margin > 1)) bad(`gates.${name}.margin`, `must be > 1: a candidate equal to the baseline must be able to pass (got ${s.margin})`)
    share(s.floor, `gates.${name}.floor`)
    positive(s.minSamples, `gates.${name}.minSamples`)
  }
  positive(gates.latency.sloMs, 'gates.latency.sloMs')
  share(gates.srm.pValue, 'gates.srm.pValue')
  if (gates.predictions) {
    share(gates.predictions.agreementFloor, 'gates.predictions.agreementFloor')
    positive(gates.predictions.minPairs, 'gates.predictions.minPairs')
  }
  if (gates.drift) {
    share(gates.drift.jsMax, 'gates.drift.jsMax')
    positive(gates.drift.minSamples, 'gates.drift.minSamples')
  }
  return {
    model, candidate, baseline, steps: [...steps], stepTimeMs, maxStepTimeMs,
    onMaxStepTime: request.onMaxStepTime ?? DEFAULTS.onMaxStepTime,
    gates,
    compare,
    ...(request.approval ? { approval: request.approval } : {})
  }
}

/**
 * Weights during a step: the candidate gets `weight`, every other version keeps its pre-rollout
 * share of the rest (so a third version's traffic is scaled, not stolen).
 * @example stepWeights({ v1: 100, v2: 0 }, 'v2', 25) // { v1: 75, v2: 25 }
 */
export function stepWeights (pre: Weights, candidate: string, weight: number): Weights {
  let othersTotal = 0
  for (const [version, w] of Object.entries(pre)) if (version !== candidate) othersTotal += w
  const out: Weights = {}
  for (const [version, w] of Object.entries(pre)) {
    out[version] = version === candidate ? weight : othersTotal > 0 ? (100 - weight) * w / othersTotal : 0
  }
  if (!(candidate in out)) out[candidate] = weight
  return out
}
