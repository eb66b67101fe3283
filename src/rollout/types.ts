/**
 * The shapes of a phased rollout: what the user asks for (RolloutSpec), what is stored (RolloutState,
 * DecisionRecord), what the driver measures (Observations) and what the machine asks the driver to do
 * (Action). Plain JSON-serialisable data: the state lives in the store and a record can be replayed.
 */

/** Weights of a model's versions, as in the config: non-negative numbers, summing to 100. */
export type Weights = Record<string, number>

export interface CountGateSettings {
  /**
   * Non-inferiority margin, relative: a step passes only on evidence that the candidate's rate is
   * below `margin` times the baseline's.
   */
  margin: number
  /** Absolute floor: evidence that the candidate's own rate is below this also passes. */
  floor: number
  /** Candidate requests needed before the gate may pass. */
  minSamples: number
}

export interface LatencyGateSettings extends CountGateSettings {
  /** A request slower than this (ms) is "slow"; the driver counts them, the gate judges the share. */
  sloMs: number
}

export interface GateSettings {
  /** Probability of a false abort over the whole rollout (split over the gates that can abort). */
  alpha: number
  errors: CountGateSettings
  latency: LatencyGateSettings
  /** Shadow agreement of the candidate with the baseline; only judged when set. */
  predictions?: { agreementFloor: number, minPairs: number }
  /** Jensen-Shannon distance of the candidate's prediction classes vs the baseline's; only when set. */
  drift?: { jsMax: number, minSamples: number }
  /** Sample-ratio mismatch: chi-square p-value below this pauses the rollout. */
  srm: { pValue: number }
}

export interface RolloutSpec {
  model: string
  candidate: string
  baseline: string
  /** Candidate weights per step, increasing, the last one 100. */
  steps: number[]
  /** Minimum time on a step before it may advance. */
  stepTimeMs: number
  /** Time on a step after which an undecided step pauses or rolls back. */
  maxStepTimeMs: number
  onMaxStepTime: 'pause' | 'rollback'
  gates: GateSettings
  /** Wait for an approval (by hand or by a webhook the driver calls) before going to 100 %. */
  approval?: 'manual' | 'webhook'
  /**
   * Percent of the baseline's requests copied to the candidate as a shadow while the rollout runs,
   * for the agreement (predictions) gate; 0 or absent: no copies.
   */
  compare?: number
}

export type RolloutStatus = 'running' | 'paused' | 'promoted' | 'rolled_back' | 'aborted'

/** Counts of one version since the current step started (cumulative, summed over replicas). */
export interface VersionCounts {
  requests: number
  /** 5xx, timeouts and invalid predictions. */
  errors: number
  /** Requests slower than the latency gate's `sloMs`. */
  slow: number
  /** Requests per predicted top-1 class, same class order for every version (for the drift gate). */
  classes?: number[]
}

export interface Observations {
  versions: Record<string, VersionCounts>
  /** Paired shadow comparisons of candidate vs baseline on the same requests. */
  agreement?: { agree: number, total: number }
  /**
   * Versions taken out of routing by outlier ejection during the step: on how many replicas, after how
   * many failures in a row (the model's outlier setting). An ejected candidate fails the step.
   */
  ejected?: Record<string, { replicas: number, failures: number }>
}

export type GateName = 'errors' | 'latency' | 'predictions' | 'drift' | 'srm'
export type GateResultKind = 'pass' | 'fail' | 'inconclusive'

export interface GateResult {
  gate: GateName
  result: GateResultKind
  /** The number the decision rests on (an e-value, a bound, a distance, a p-value). */
  statistic: number
  /** What the statistic is compared with. */
  threshold: number
  /** The inputs, so a reader can redo the arithmetic. */
  counts: Record<string, number>
  words: string
}

export type Decision = 'wait' | 'advance' | 'await_approval' | 'promote' | 'rollback' | 'pause'

export interface DecisionRecord {
  at: number
  /** Index into spec.steps. */
  step: number
  /** Weights of every version during the step (the candidate's is spec.steps[step]). */
  weights: Weights
  stepStartedAt: number
  observations: Observations
  gates: GateResult[]
  decision: Decision
  words: string
}

export interface RolloutState {
  status: RolloutStatus
  stepIndex: number
  stepStartedAt: number
  preRolloutWeights: Weights
  /** Newest last; bounded (see MAX_RECORDS in machine.ts). */
  records: DecisionRecord[]
  reason: string
  /** True while a paused rollout waits for the approval before 100 %. */
  awaitingApproval: boolean
}

export type NotifyEvent = 'step' | 'paused' | 'rolled_back' | 'promoted'

export type Action =
  | { type: 'setWeights', weights: Weights }
  /** A new step window starts: the driver zeroes the per-step counts. */
  | { type: 'resetCounts' }
  | { type: 'record', record: DecisionRecord }
  | { type: 'notify', event: NotifyEvent, reason: string }
  | { type: 'needsApproval' }

export interface Transition {
  state: RolloutState
  actions: Action[]
}
