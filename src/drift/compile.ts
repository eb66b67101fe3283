/**
 * Compiles a validated profile into the read-only tables the request path uses: edges as
 * Float64Array for the binary search, normalised reference shares, bin labels and name -> index maps.
 * Everything here is computed once at load time (STYLE: precompute, then only look up).
 */
import { binLabels } from './bins.js'
import type { Profile } from './profile.js'

/** One feature, ready for `binIndex(edges, x)` and for `psi(reference, windowCounts)`. */
export interface CompiledFeature {
  readonly name: string
  /** Interior edges, strictly increasing. */
  readonly edges: Float64Array
  /** Reference share per bin (edges.length + 1 entries), renormalised to sum to exactly 1 (up to rounding). */
  readonly reference: Float64Array
  /** Values of the Prometheus `bin` label, one per bin ("00", "01", ...). */
  readonly labels: readonly string[]
}

/** The predicted top-1 class distribution. */
export interface CompiledPrediction {
  /** Class codes in index order: the `classes` option (else the profile's labels) first, then profile-only classes. */
  readonly classes: readonly string[]
  /** Class of each output column, in the labels' own order: the `classes` option, else the profile's `labels`; undefined when neither says (columns cannot be mapped). */
  readonly columns: readonly string[] | undefined
  /** Reference share per class (0 for a class the profile never saw). */
  readonly reference: Float64Array
  /** Class code -> index; a live class missing here is not counted. */
  readonly index: Readonly<Record<string, number>>
}

export interface CompiledProfile {
  readonly model: string
  readonly samples: number
  /** In profile order. */
  readonly features: readonly CompiledFeature[]
  /** Feature name -> index into `features`. */
  readonly featureIndex: Readonly<Record<string, number>>
  /** Bins per feature, in order: the first argument of `new DriftWindow(...)`. */
  readonly featureBinCounts: readonly number[]
  readonly prediction?: CompiledPrediction
}

export interface CompileOptions {
  /**
   * Every class the model can predict (e.g. the 72 country codes of the transform's output labels).
   * Classes the profile omits get a reference share of 0, so a live prediction of one still counts.
   */
  classes?: readonly string[]
}

function normalised (values: readonly number[]): Float64Array {
  const out = Float64Array.from(values)
  let sum = 0
  for (const v of out) sum += v
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / sum
  return out
}

/** A frozen lookup object without a prototype, so names like `constructor` are just names. */
function indexOf (names: readonly string[]): Readonly<Record<string, number>> {
  const index: Record<string, number> = Object.create(null)
  names.forEach((n, i) => { index[n] = i })
  return Object.freeze(index)
}

/**
 * Compiles a validated profile (from `loadProfile`/`parseProfile`) for the hot path.
 *
 * The result and its arrays of names are frozen. The Float64Arrays cannot be: JavaScript refuses to
 * freeze a typed array with elements, so they are read-only by contract (and by their `readonly` slot).
 *
 * @example
 * const compiled = compileProfile(loadProfile('reference.json'), { classes: countryCodes })
 * const f = compiled.features[compiled.featureIndex.tempo]
 * window.observe(compiled.featureIndex.tempo, binIndex(f.edges, 120.5))
 */
export function compileProfile (p: Profile, opts: CompileOptions = {}): CompiledProfile {
  const features = Object.entries(p.features).map(([name, f]) => Object.freeze({
    name,
    edges: Float64Array.from(f.edges),
    reference: normalised(f.proportions),
    labels: Object.freeze(binLabels(f.edges))
  }))
  const names = features.map((f) => f.name)
  let prediction: CompiledPrediction | undefined
  if (p.prediction !== undefined) {
    const shares = p.prediction.classes
    const columns = opts.classes ?? p.prediction.labels
    const given = columns ?? []
    const seen = new Set(given)
    const extra = Object.keys(shares).filter((c) => !seen.has(c))
    const classes = Object.freeze([...new Set([...given, ...extra])])
    prediction = Object.freeze({
      classes,
      columns: columns === undefined ? undefined : Object.freeze([...columns]),
      reference: normalised(classes.map((c) => Object.hasOwn(shares, c) ? shares[c] as number : 0)),
      index: indexOf(classes)
    })
  }
  return Object.freeze({
    model: p.model,
    samples: p.samples,
    features: Object.freeze(features),
    featureIndex: indexOf(names),
    featureBinCounts: Object.freeze(features.map((f) => f.reference.length)),
    ...(prediction === undefined ? {} : { prediction })
  })
}
