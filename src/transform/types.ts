/**
 * The shapes shared by the transform steps: the compiled transform (frozen, precomputed for the hot
 * path), the row-major batch that travels between pre, the upstream and post, the results (no
 * exceptions on the request path) and the contract of a custom module.
 */
import type { InputDatatype, OutputDatatype, TransformSpec } from './spec.js'

/**
 * A batch of rows in one flat row-major array (the OIP v2 tensor layout), so a request allocates one
 * array instead of one per instance. Row r is `data[r * width .. (r + 1) * width)`.
 */
export interface Batch {
  readonly rows: number
  readonly width: number
  readonly data: number[]
}

/**
 * Who is at fault when a step fails, which decides the HTTP status the gateway sends:
 * `caller` 400 (bad instances), `upstream` 502 (the model's answer does not fit the transform),
 * `transform` 500 (a custom module threw or returned the wrong shape).
 */
export type Fault = 'caller' | 'upstream' | 'transform'

/** A failed step: `error` names what was wrong and where (`instances[2].tempo: must be <= 300, got 512`). */
export interface TransformFailure {
  readonly ok: false
  readonly fault: Fault
  readonly error: string
}

/** Result of pre-processing: the input batch, or why there is none. */
export type PreResult = { readonly ok: true; readonly batch: Batch } | TransformFailure
/** Result of post-processing: one prediction per row, or why there are none. */
export type PostResult<P> = { readonly ok: true; readonly predictions: P[] } | TransformFailure

/** One entry of a prediction's top list: `{ [labelKey]: code, name, probability }`, e.g. `{ country: 'SE', name: 'Sweden', probability: 0.31 }`. */
export type TopEntry = Record<string, string | number>

/** A labelled prediction for one instance. `probabilities` is absent when the spec turns it off. */
export interface Prediction {
  top: TopEntry[]
  probabilities?: Record<string, number>
}

/** What a custom module's `pre`/`post` receive besides their data: the transform and the spec-driven steps, to delegate to. */
export interface CustomContext {
  readonly transform: Transform
  /** The spec-driven pre-processing; a custom `pre` may derive features and then call this. */
  specPre(instances: unknown): PreResult
  /** The spec-driven post-processing; a custom `post` may call this and then decorate the result. */
  specPost(batch: Batch): PostResult<Prediction>
}

/**
 * A custom module's exports. Both are synchronous (they run on the request path).
 * `pre` gets the instances array (already checked non-empty and within `limits.maxInstances`) and
 * returns one row of `input.width` finite numbers per instance, or a {@link PreResult}
 * (`{ ok: false, error }` for a caller mistake). `post` gets one array per row and returns one
 * prediction (any JSON value) per row, or a {@link PostResult}. Anything thrown is a `transform` fault.
 */
export interface CustomModule {
  readonly pre?: (instances: unknown[], ctx: CustomContext) => unknown
  readonly post?: (rows: number[][], ctx: CustomContext) => unknown
}

/** A custom module as loaded, with the file it came from (for error messages) and its context. */
export interface CustomHooks extends CustomModule {
  readonly file: string
  readonly ctx: CustomContext
}

/**
 * A spec compiled for the hot path: arrays indexed by feature position (column), built once when
 * the version loads. Treat every array as read-only (typed arrays cannot be frozen).
 */
export interface Transform {
  /** The spec file as given to the loader, for messages. */
  readonly file: string
  readonly spec: TransformSpec
  readonly input: { readonly name: string | undefined; readonly datatype: InputDatatype; readonly width: number }
  readonly output: { readonly name: string | undefined; readonly datatype: OutputDatatype; readonly width: number }
  /** Expected entry of the upstream's metadata `versions`, when the spec names one. */
  readonly version: string | undefined
  readonly features: readonly string[]
  readonly featureIndex: ReadonlyMap<string, number>
  /** 1 where the feature must be integral. */
  readonly integer: Uint8Array
  /** Bounds, -Infinity / +Infinity when absent; `minExclusive[i]` 1 means strictly greater. */
  readonly min: Float64Array
  readonly max: Float64Array
  readonly minExclusive: Uint8Array
  readonly maxExclusive: Uint8Array
  readonly enums: ReadonlyArray<readonly number[] | undefined>
  readonly hasDefault: Uint8Array
  readonly defaults: Float64Array
  /** `value' = (value - mean[i]) / std[i]`; 0 and 1 (an exact identity) when the feature has no scale. */
  readonly mean: Float64Array
  readonly std: Float64Array
  readonly labels: readonly string[]
  readonly labelNames: readonly string[]
  /** Builds one prediction's `{ code: probability }` map from row `data[offset ..]` (see compile.ts for why it is generated). */
  readonly probabilityMap: (data: readonly number[], offset: number) => Record<string, number>
  readonly labelKey: string
  readonly top: number
  readonly probabilities: boolean
  readonly maxInstances: number
  readonly custom: CustomHooks | undefined
}
