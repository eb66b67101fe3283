/**
 * The `status:` block of a model in the config: the thresholds its verdict is judged by. One zod
 * schema gives the type, the validator and the defaults; the config schema embeds it per model
 * (`models.<name>.status`), and a model without the block gets the defaults.
 */
import { z } from 'zod'

export const statusThresholdsSchema = z.object({
  /** Error ratio (5xx and upstream errors over requests) at or above which a serving version is `degraded`. Default 0.01. */
  errorRatioDegraded: z.number().min(0).max(1).default(0.01).describe('Error ratio (5xx and upstream errors over requests, 0-1) at or above which a version makes the model `degraded`. Default 0.01.'),
  /** Error ratio at or above which a serving version makes the model `failing`. Default 0.05. */
  errorRatioFailing: z.number().min(0).max(1).default(0.05).describe('Error ratio at or above which a serving version makes the model `failing`; not below errorRatioDegraded. Default 0.05.'),
  /** p99 latency SLO in milliseconds; a serving version above it is `degraded`. Default 500. */
  p99SloMs: z.number().positive().default(500).describe('p99 latency SLO in milliseconds; a serving version above it makes the model `degraded`. Default 500.'),
  /** Shadow agreement rate (0-1) below which the model is `degraded`. Default 0.9. */
  agreementFloor: z.number().min(0).max(1).default(0.9).describe('Shadow agreement rate (0-1) below which the model is `degraded`. Default 0.9.'),
  /**
   * Requests (or decided comparisons, for a shadow) a window needs before its numbers are judged.
   * Default 50: below that one slow call moves the p99 and two errors are 4 %.
   */
  minSamples: z.number().int().min(1).default(50).describe('Requests (or decided shadow comparisons) a 1- or 5-minute window needs before its numbers are judged. Default 50.')
}).strict().refine((t) => t.errorRatioDegraded <= t.errorRatioFailing, { path: ['errorRatioDegraded'], error: 'must be <= errorRatioFailing' })

/** Validated thresholds with every field present. */
export type StatusThresholds = z.output<typeof statusThresholdsSchema>

/** The defaults, frozen: `{ errorRatioDegraded: 0.01, errorRatioFailing: 0.05, p99SloMs: 500, agreementFloor: 0.9, minSamples: 50 }`. */
export const DEFAULT_STATUS_THRESHOLDS: Readonly<StatusThresholds> = Object.freeze(statusThresholdsSchema.parse({}))
