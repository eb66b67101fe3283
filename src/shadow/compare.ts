/**
 * Shadow comparison: the pure measures that say whether a shadow version answered like the primary.
 * No I/O, clock or framework: the dispatcher passes both answers in and records what comes out.
 * Answers are turned into rows first (`rowsFromOipOutput`, `rowsFromV1Predictions`, at the end).
 */
import { jsDistance, topIndices } from '../vector.js'

/**
 * What one shadowed request came to. Used as a metric label value, so the strings are stable.
 * `incomparable`: the two versions read the caller's raw tensor in orders that cannot both be known
 * (src/transform/order.ts), so their answers are not compared (see `incomparable`).
 */
export type Outcome = 'agree' | 'disagree' | 'shadow_error' | 'primary_error' | 'incomparable'

/**
 * When a probability comparison counts as `agree` (the config's `shadow.agreement`). A batch agrees
 * only if every row does: `top1` needs every argmax to match, `js` and `maxAbs` read the worst row.
 * `topk` reads the mean overlap fraction over rows (`minOverlap` is a fraction of k, 0..1).
 */
export type AgreementRule =
  | { kind: 'top1' }
  | { kind: 'topk'; k: number; minOverlap: number }
  | { kind: 'js'; max: number }
  | { kind: 'maxAbs'; max: number }

export const DEFAULT_RULE: AgreementRule = Object.freeze({ kind: 'top1' as const })
/** k of the reported top-k overlap when the rule is not itself `topk`. */
export const DEFAULT_K = 5
/** Regression outputs agree when every relative error is at most this, unless the rule is `maxAbs`. */
export const DEFAULT_REGRESSION_MAX_REL_ERROR = 1e-3
/** Denominator floor of the relative error, so a primary value of 0 does not divide by zero. */
export const REL_ERROR_FLOOR = 1e-9
/** Float noise allowed around [0, 1] for a value to count as a probability. */
const PROB_TOLERANCE = 1e-6
/** Distance of a row sum from 1 allowed for a row to count as a distribution (float32 + JSON rounding). */
const SUM_TOLERANCE = 1e-3

/** Rows of one output tensor: `rows[i]` holds the values for instance i. */
export type Rows = ReadonlyArray<ArrayLike<number>>

export interface Measures {
  rows: number
  /** Fraction of rows whose argmax matches (0..1). */
  top1Agreement: number
  /** Mean over rows of |topk(primary) ∩ topk(shadow)| / k. */
  topkOverlap: number
  /** k actually used: the requested k, capped at the row width. */
  k: number
  /** Mean Jensen-Shannon distance over rows (base 2, 0..1: the square root of the divergence in bits). */
  js: number
  /** Largest per-row Jensen-Shannon distance (what `{kind: js, max}` compares). */
  jsMax: number
  /** max |p_i - s_i| over all rows and classes, on the values as sent (not renormalised). */
  maxAbsDelta: number
}

export interface RegressionMeasures {
  rows: number
  maxAbsError: number
  /** max |s - p| / max(|p|, REL_ERROR_FLOOR): relative to the primary, which is the reference. */
  maxRelError: number
  /** Mean |s - p| over all values. */
  meanAbsError: number
}

/** One side's answer: its rows, or why there are none (upstream error, timeout, unreadable body). */
export type Answer = { ok: true; rows: Rows } | { ok: false; error: string }

export interface ComparisonInput {
  primary: Answer
  shadow: Answer
}

export interface Comparison {
  outcome: Outcome
  /** Set when both answers look like probability rows. */
  measures?: Measures
  /** Set when both answers are numbers of the same shape but not both probabilities. */
  regression?: RegressionMeasures
  /** Set for `primary_error`, `shadow_error` and `incomparable` (the reason). */
  error?: string
}

/**
 * Width shared by every row, or a message naming the first ragged row or non-finite value.
 * Answers from `rowsFrom*` already pass; this guards callers that build rows themselves.
 */
function rowsWidth (rows: Rows, side: string): number | string {
  const width = rows.length > 0 ? rows[0]!.length : 0
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!
    if (row.length !== width) return `${side} rows[${r}] has ${row.length} values, rows[0] has ${width}`
    for (let i = 0; i < width; i++) {
      if (!Number.isFinite(row[i])) return `${side} rows[${r}][${i}] is ${String(row[i])}, not a finite number`
    }
  }
  return width
}

/** Checks both sides are finite tensors of one shape; returns the width or throws. */
function sameShape (primary: Rows, shadow: Rows, fn: string): number {
  const pw = rowsWidth(primary, 'primary')
  const sw = rowsWidth(shadow, 'shadow')
  if (typeof pw === 'string' || typeof sw === 'string') throw new RangeError(`${fn}: ${typeof pw === 'string' ? pw : sw as string}`)
  const problem = shapeMismatch(primary.length, pw, shadow.length, sw)
  if (problem !== undefined) throw new RangeError(`${fn}: ${problem}`)
  return pw
}

function shapeMismatch (pRows: number, pWidth: number, sRows: number, sWidth: number): string | undefined {
  if (pRows === sRows && pWidth === sWidth) return undefined
  return `shape mismatch: primary is [${pRows}, ${pWidth}], shadow is [${sRows}, ${sWidth}]`
}

/**
 * Probability measures of a batch. Zero rows measure as full agreement (nothing differs).
 * @throws RangeError when shapes differ, a value is not finite, k < 1, or a row is all zero.
 */
export function compareProbabilities (primary: Rows, shadow: Rows, k: number = DEFAULT_K): Measures {
  const width = sameShape(primary, shadow, 'compareProbabilities')
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`compareProbabilities: k must be an integer >= 1, got ${k}`)
  const rows = primary.length
  const kk = Math.min(k, width)
  if (rows === 0) return { rows: 0, top1Agreement: 1, topkOverlap: 1, k: kk, js: 0, jsMax: 0, maxAbsDelta: 0 }
  if (width === 0) throw new RangeError('compareProbabilities: rows have no values')
  const tp: number[] = []
  const ts: number[] = []
  let top1 = 0; let overlap = 0; let jsSum = 0; let jsMax = 0; let maxAbsDelta = 0
  for (let r = 0; r < rows; r++) {
    const p = primary[r]!
    const s = shadow[r]!
    topIndices(p, 0, width, kk, tp)
    topIndices(s, 0, width, kk, ts)
    if (tp[0] === ts[0]) top1++
    let common = 0
    for (const i of tp) if (ts.includes(i)) common++
    overlap += common / kk
    const js = jsDistance(p, s)
    jsSum += js
    if (js > jsMax) jsMax = js
    for (let i = 0; i < width; i++) {
      const d = Math.abs(p[i]! - s[i]!)
      if (d > maxAbsDelta) maxAbsDelta = d
    }
  }
  return { rows, top1Agreement: top1 / rows, topkOverlap: overlap / rows, k: kk, js: jsSum / rows, jsMax, maxAbsDelta }
}

/**
 * Absolute and relative errors of the shadow against the primary, for outputs that are not
 * probabilities (scores, regressions). Zero values measure as zero error.
 * @throws RangeError when shapes differ or a value is not finite.
 */
export function compareRegression (primary: Rows, shadow: Rows): RegressionMeasures {
  const width = sameShape(primary, shadow, 'compareRegression')
  let maxAbsError = 0; let maxRelError = 0; let sumAbs = 0
  for (let r = 0; r < primary.length; r++) {
    const p = primary[r]!
    const s = shadow[r]!
    for (let i = 0; i < width; i++) {
      const d = Math.abs(s[i]! - p[i]!)
      sumAbs += d
      if (d > maxAbsError) maxAbsError = d
      const rel = d / Math.max(Math.abs(p[i]!), REL_ERROR_FLOOR)
      if (rel > maxRelError) maxRelError = rel
    }
  }
  const n = primary.length * width
  return { rows: primary.length, maxAbsError, maxRelError, meanAbsError: n === 0 ? 0 : sumAbs / n }
}

/**
 * True when there is at least one row and every row looks like a distribution: each value in [0, 1]
 * (±1e-6) and each row summing to 1 (±1e-3). Decides between probability and regression measures.
 */
export function isProbabilityRows (rows: Rows): boolean {
  if (rows.length === 0) return false
  for (const row of rows) {
    if (row.length === 0) return false
    let sum = 0
    for (let i = 0; i < row.length; i++) {
      const x = row[i]!
      // Written so NaN fails too.
      if (!(x >= -PROB_TOLERANCE && x <= 1 + PROB_TOLERANCE)) return false
      sum += x
    }
    if (!(Math.abs(sum - 1) <= SUM_TOLERANCE)) return false
  }
  return true
}

/** Applies a rule to probability measures. For `topk`, `m` must have been measured with the rule's k. */
export function decide (rule: AgreementRule, m: Measures): 'agree' | 'disagree' {
  switch (rule.kind) {
    case 'top1': return m.top1Agreement === 1 ? 'agree' : 'disagree'
    case 'topk': return m.topkOverlap >= rule.minOverlap ? 'agree' : 'disagree'
    case 'js': return m.jsMax <= rule.max ? 'agree' : 'disagree'
    case 'maxAbs': return m.maxAbsDelta <= rule.max ? 'agree' : 'disagree'
  }
}

/**
 * Applies a rule to regression measures. Only `maxAbs` means something for regression outputs
 * (max absolute error <= max); every other rule falls back to max relative error <= 1e-3.
 */
export function decideRegression (rule: AgreementRule, r: RegressionMeasures): 'agree' | 'disagree' {
  const ok = rule.kind === 'maxAbs' ? r.maxAbsError <= rule.max : r.maxRelError <= DEFAULT_REGRESSION_MAX_REL_ERROR
  return ok ? 'agree' : 'disagree'
}

/**
 * Compares one primary answer with one shadow answer. Precedence: a failed primary is
 * `primary_error` (nothing to compare against), then a failed shadow is `shadow_error`, then a
 * shadow whose shape differs from the primary's is `shadow_error` (the primary is the reference).
 * A ragged or non-finite side is that side's error. Then probability measures when both sides look
 * like probabilities, else regression measures. With a `topk` rule, the rule's k replaces `k`.
 * @example compare({ primary: { ok: true, rows: [[0.9, 0.1]] }, shadow: { ok: true, rows: [[0.8, 0.2]] } }, { kind: 'top1' }).outcome // 'agree'
 */
export function compare (input: ComparisonInput, rule: AgreementRule = DEFAULT_RULE, k: number = DEFAULT_K): Comparison {
  const { primary, shadow } = input
  if (!primary.ok) return { outcome: 'primary_error', error: primary.error }
  if (!shadow.ok) return { outcome: 'shadow_error', error: shadow.error }
  const pw = rowsWidth(primary.rows, 'primary')
  if (typeof pw === 'string') return { outcome: 'primary_error', error: pw }
  const sw = rowsWidth(shadow.rows, 'shadow')
  if (typeof sw === 'string') return { outcome: 'shadow_error', error: sw }
  const problem = shapeMismatch(primary.rows.length, pw, shadow.rows.length, sw)
  if (problem !== undefined) return { outcome: 'shadow_error', error: problem }
  if (isProbabilityRows(primary.rows) && isProbabilityRows(shadow.rows)) {
    const measures = compareProbabilities(primary.rows, shadow.rows, rule.kind === 'topk' ? rule.k : k)
    return { outcome: decide(rule, measures), measures }
  }
  const regression = compareRegression(primary.rows, shadow.rows)
  return { outcome: decideRegression(rule, regression), regression }
}

/** The comparison of a pair whose tensors were not the same question: not measured, with the reason. */
export function incomparable (reason: string): Comparison {
  return { outcome: 'incomparable', error: reason }
}
