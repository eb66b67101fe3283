/**
 * Turns drift scores into a verdict an operator can act on, per feature and per model.
 * The thresholds are data (one zod schema gives the type, the validator and the defaults) so the
 * config can set them per model and `/status` can show them.
 */
import { z } from 'zod'

/** Outcome of a drift check, in increasing order of concern apart from `insufficient_data`. */
export type Verdict = 'insufficient_data' | 'ok' | 'warn' | 'alert'

/**
 * Verdict thresholds. Defaults: PSI 0.1 warn / 0.25 alert (the usual PSI rule of thumb), JS distance
 * 0.1 (base 2), 200 samples per window.
 */
export const thresholdsSchema = z.object({
  /** PSI at or above this is `warn`. */
  psiWarn: z.number().min(0).default(0.1),
  /** PSI at or above this is `alert`. */
  psiAlert: z.number().min(0).default(0.25),
  /** Jensen-Shannon distance (base 2, in [0, 1]) at or above this is `warn`. */
  js: z.number().min(0).max(1).default(0.1),
  /** Fewer observations than this in the window is `insufficient_data`, whatever the scores. */
  minSamples: z.number().int().min(1).default(200)
}).refine((t) => t.psiWarn <= t.psiAlert, { path: ['psiWarn'], error: 'must be <= psiAlert' })

/** Validated thresholds with every field present. */
export type Thresholds = z.output<typeof thresholdsSchema>

/** The defaults, frozen: `{ psiWarn: 0.1, psiAlert: 0.25, js: 0.1, minSamples: 200 }`. */
export const DEFAULT_THRESHOLDS: Readonly<Thresholds> = Object.freeze(thresholdsSchema.parse({}))

/** Scores of one feature (or of one version's predictions) over one window. */
export interface DriftScores {
  /** PSI against the reference; ignored for predictions, pass 0. */
  psi: number
  /** Jensen-Shannon distance (not divergence), base 2. */
  js: number
  /** Observations in the window. */
  samples: number
}

/**
 * The verdict for one feature.
 *
 * - Below `minSamples` it is always `insufficient_data`, before looking at the scores: a window of 20
 *   requests has PSI noise of the order of bins / samples (~0.5 for 10 bins), which would alarm on
 *   every quiet night. This is the "no false alarm on low traffic" rule.
 * - `alert` when PSI >= psiAlert; `warn` when PSI >= psiWarn or JS distance >= js; otherwise `ok`.
 *   JS only warns: a JS distance of 0.1 is a divergence of 0.01 bits, which for small shifts matches a
 *   PSI near 0.055 (both are ~ chi-square: PSI ~ 8 ln2 * JS divergence in bits), so it catches shifts PSI
 *   would still call stable, and is kept one level below an alert.
 *
 * @throws RangeError when a score is NaN with enough samples (the caller computed it wrong)
 * @example featureVerdict({ psi: 0.3, js: 0.2, samples: 500 }) // 'alert'
 */
export function featureVerdict (scores: DriftScores, thresholds: Readonly<Thresholds> = DEFAULT_THRESHOLDS): Verdict {
  if (!(scores.samples >= thresholds.minSamples)) return 'insufficient_data'
  if (Number.isNaN(scores.psi) || Number.isNaN(scores.js)) throw new RangeError(`drift scores must be numbers (psi ${scores.psi}, js ${scores.js})`)
  if (scores.psi >= thresholds.psiAlert) return 'alert'
  if (scores.psi >= thresholds.psiWarn || scores.js >= thresholds.js) return 'warn'
  return 'ok'
}

/**
 * Rank used by the model rollup. `insufficient_data` sits between `ok` and `warn`: one feature
 * without enough data means the model cannot be called `ok`, but a real `warn`/`alert` elsewhere
 * still shows.
 */
const SEVERITY: Readonly<Record<Verdict, number>> = Object.freeze({ ok: 0, insufficient_data: 1, warn: 2, alert: 3 })

/** A model's verdict and the names (features, or `prediction:<version>`) that decided it. */
export interface ModelVerdict {
  verdict: Verdict
  /** Names with the model's verdict, sorted: the reasons to show (empty when `ok`). */
  reasons: string[]
}

/**
 * The model-level rollup: the worst verdict over its parts, ranked
 * `alert` > `warn` > `insufficient_data` > `ok`. No parts at all is `insufficient_data`.
 *
 * @param parts verdict per name (features, and prediction entries if the caller adds them)
 * @example modelVerdict({ tempo: 'ok', energy: 'warn', key: 'warn' }) // { verdict: 'warn', reasons: ['energy', 'key'] }
 */
export function modelVerdict (parts: Readonly<Record<string, Verdict>>): ModelVerdict {
  const entries = Object.entries(parts)
  if (entries.length === 0) return { verdict: 'insufficient_data', reasons: [] }
  let worst: Verdict = 'ok'
  for (const [, v] of entries) if (SEVERITY[v] > SEVERITY[worst]) worst = v
  const reasons = worst === 'ok' ? [] : entries.filter(([, v]) => v === worst).map(([n]) => n).sort()
  return { verdict: worst, reasons }
}
