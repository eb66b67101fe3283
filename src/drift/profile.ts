/**
 * The reference profile: what training data looked like, per feature (bin edges and proportions) and
 * per predicted top-1 class (expected shares). One zod schema is both the `Profile` type and its
 * validator; `compileProfile` turns a valid profile into the frozen lookup tables the hot path reads.
 */
import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { errors } from '../errors.js'
import { binIndex, quantileEdges } from './bins.js'
import { formatPath } from '../schema-path.js'

/**
 * How far a list of proportions may sum from 1. Profiles built by `headliner profile build` are off by
 * ~1e-15 (count / n in floating point); hand-edited ones rounded to 6 decimals still pass.
 * Compilation renormalises anyway, so the hot path and the reference gauge always see an exact sum.
 */
export const SUM_TOLERANCE = 1e-6

const proportion = z.number().min(0, { error: 'must be >= 0' }).max(1, { error: 'must be <= 1' })

function checkSum (values: number[], ctx: z.RefinementCtx, path: (string | number)[]): void {
  const sum = values.reduce((a, b) => a + b, 0)
  if (Math.abs(sum - 1) > SUM_TOLERANCE) {
    ctx.addIssue({ code: 'custom', path, message: `must sum to 1 (got ${Number(sum.toPrecision(6))})` })
  }
}

const featureSchema = z.object({
  /** Interior edges, strictly increasing; bins are (-inf, e0], (e0, e1], ..., (e_last, +inf). */
  edges: z.array(z.number({ error: 'must be a finite number' })), // zod 4 numbers exclude ±Infinity
  /** Reference share of each bin: edges.length + 1 entries summing to 1. */
  proportions: z.array(proportion).min(1, { error: 'must have at least one bin' })
}).superRefine((f, ctx) => {
  for (let i = 1; i < f.edges.length; i++) {
    if (!((f.edges[i] as number) > (f.edges[i - 1] as number))) {
      ctx.addIssue({ code: 'custom', path: ['edges', i], message: `must be greater than edges[${i - 1}] (edges are strictly increasing)` })
    }
  }
  if (f.proportions.length !== f.edges.length + 1) {
    ctx.addIssue({ code: 'custom', path: ['proportions'], message: `must have edges.length + 1 = ${f.edges.length + 1} entries (got ${f.proportions.length})` })
  }
  checkSum(f.proportions, ctx, ['proportions'])
})

/** The reference profile file, `schemaVersion: 1`. */
export const profileSchema = z.object({
  schemaVersion: z.literal(1, { error: 'must be 1 (the only profile format this version reads)' }),
  model: z.string().min(1, { error: 'must be a non-empty model name' }),
  createdAt: z.iso.datetime({ error: 'must be an ISO 8601 UTC timestamp like 2025-01-31T12:00:00.000Z' }),
  /** Training rows the profile was built from (informational). */
  samples: z.number().int().min(1, { error: 'must be an integer >= 1' }),
  features: z.record(z.string().min(1), featureSchema),
  /** Expected top-1 class shares (class code -> share), when the training data carried predictions. */
  prediction: z.object({
    /** The model's output columns as class names, in column order (the model's labels, unsorted), when known. */
    labels: z.array(z.string().min(1)).min(1).optional(),
    classes: z.record(z.string().min(1), proportion).superRefine((c, ctx) => {
      if (Object.keys(c).length === 0) ctx.addIssue({ code: 'custom', message: 'must name at least one class' })
      else checkSum(Object.values(c), ctx, [])
    })
  }).optional()
}).superRefine((p, ctx) => {
  if (Object.keys(p.features).length === 0 && p.prediction === undefined) {
    ctx.addIssue({ code: 'custom', path: ['features'], message: 'must describe at least one feature (or give a prediction section)' })
  }
})

/** A validated reference profile. */
export type Profile = z.infer<typeof profileSchema>

/** The error every profile problem becomes (the catalogue's `profile`): one line per problem, each starting with the file. */
export const profileError = errors.profile

/**
 * Validates parsed JSON as a profile, reporting every problem at once.
 *
 * @param source the file name used in messages
 * @throws HeadlinerError `HEADLINER_ERR_PROFILE`, e.g. `reference.json: features.tempo.proportions: must sum to 1 (got 0.93)`
 */
export function parseProfile (json: unknown, source: string): Profile {
  const result = profileSchema.safeParse(json)
  if (result.success) return result.data
  throw profileError(result.error.issues.map((i) => `${source}: ${formatPath(i.path)}: ${i.message}`))
}

/**
 * Reads and validates a reference profile file (synchronously: it runs at config load, not per request).
 *
 * @throws HeadlinerError naming the file, and the path inside it, for unreadable files, bad JSON or bad content
 */
export function loadProfile (path: string): Profile {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw profileError([`${path}: cannot read the profile: ${(err as Error).message}`])
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw profileError([`${path}: not valid JSON: ${(err as Error).message}`])
  }
  return parseProfile(json, path)
}

/** Options of {@link buildProfile}. */
export interface BuildOptions {
  model: string
  /** Bins to aim for per feature (discrete features may get fewer; see quantileEdges). */
  bins: number
  /** Features to profile, in order; default: every key of the first row, in its order. */
  features?: string[]
  /** Top-1 class of each row (same length as rows), when known. */
  predictions?: string[]
  /** The model's output labels in column order (written as `prediction.labels`: live columns map to classes by it). */
  labels?: string[]
  /** Creation time, passed in so builds are reproducible. */
  now: Date
}

/**
 * Builds a profile from training rows: quantile edges per feature, then the share of rows per bin,
 * and, when given, the share of each predicted top-1 class (keys sorted for a stable file).
 *
 * @throws RangeError naming the row (`rows[17].tempo`) when a feature is missing or not finite
 */
export function buildProfile (rows: readonly Record<string, number>[], opts: BuildOptions): Profile {
  if (rows.length === 0) throw new RangeError('cannot build a profile from no rows')
  const names = opts.features ?? Object.keys(rows[0] as Record<string, number>)
  const features: Profile['features'] = {}
  for (const name of names) {
    const values = rows.map((row, i) => {
      const v = row[name]
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`rows[${i}].${name}: must be a finite number (got ${String(v)})`)
      return v
    })
    const edges = quantileEdges(values, opts.bins)
    const counts = new Array<number>(edges.length + 1).fill(0)
    // The same lookup as live traffic, so reference and observed shares use one bin rule.
    for (const v of values) {
      const b = binIndex(edges, v)
      counts[b] = (counts[b] as number) + 1
    }
    features[name] = { edges, proportions: counts.map((c) => c / rows.length) }
  }
  const profile: Profile = { schemaVersion: 1, model: opts.model, createdAt: opts.now.toISOString(), samples: rows.length, features }
  if (opts.predictions !== undefined) {
    if (opts.predictions.length !== rows.length) throw new RangeError(`predictions has ${opts.predictions.length} entries for ${rows.length} rows`)
    const counts = new Map<string, number>()
    for (const c of opts.predictions) counts.set(c, (counts.get(c) ?? 0) + 1)
    const classes: Record<string, number> = {}
    for (const c of [...counts.keys()].sort()) classes[c] = (counts.get(c) as number) / rows.length
    profile.prediction = { ...(opts.labels === undefined ? {} : { labels: opts.labels }), classes }
  }
  return parseProfile(profile, `profile of ${opts.model}`)
}
