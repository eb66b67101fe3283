/**
 * Compile a validated spec and its labels into a {@link Transform}: everything the request path
 * needs as arrays indexed by feature position, built once when a version loads, then frozen.
 * Pure: the loader does the file reading and hands the results in.
 */
import type { Labels } from './labels.js'
import { specPost } from './post.js'
import { specPre } from './pre.js'
import type { TransformSpec } from './spec.js'
import type { CustomContext, CustomHooks, CustomModule, Transform } from './types.js'

/** A compiled transform, or the problems (with paths) that stop it compiling. */
export type CompileResult = { ok: true; transform: Transform } | { ok: false; problems: string[] }

/**
 * Build the frozen transform. `file` only labels messages; `custom` is the loaded module, if any.
 * Problems that need the labels (a `top` larger than the label count) are returned, with paths.
 *
 * @example
 * const r = compileTransform('v2/transform.yaml', spec, { codes: ['SE'], names: ['Sweden'] })
 * if (r.ok) specPre(r.transform, instances)
 */
export function compileTransform (file: string, spec: TransformSpec, labels: Labels, custom?: { file: string; module: CustomModule }): CompileResult {
  if (spec.output.top > labels.codes.length) {
    return { ok: false, problems: [`output.top: must be at most the number of labels (${labels.codes.length}), got ${spec.output.top}`] }
  }
  const features = spec.features
  const width = features.length
  const column = <A extends Float64Array | Uint8Array>(Kind: new (n: number) => A, value: (f: TransformSpec['features'][number]) => number): A => {
    const out = new Kind(width)
    features.forEach((f, i) => { out[i] = value(f) })
    return out
  }
  const transform = {
    file,
    spec: deepFreeze(spec),
    input: Object.freeze({ name: spec.model.input.name, datatype: spec.model.input.datatype, width }),
    output: Object.freeze({ name: spec.model.output.name, datatype: spec.model.output.datatype, width: labels.codes.length }),
    version: spec.model.version,
    features: Object.freeze(features.map((f) => f.name)),
    featureIndex: new Map(features.map((f, i) => [f.name, i])),
    integer: column(Uint8Array, (f) => f.type === 'integer' ? 1 : 0),
    min: column(Float64Array, (f) => f.min ?? -Infinity),
    max: column(Float64Array, (f) => f.max ?? Infinity),
    minExclusive: column(Uint8Array, (f) => f.exclusiveMin ? 1 : 0),
    maxExclusive: column(Uint8Array, (f) => f.exclusiveMax ? 1 : 0),
    enums: Object.freeze(features.map((f) => f.enum === undefined ? undefined : Object.freeze([...f.enum]))),
    hasDefault: column(Uint8Array, (f) => f.default === undefined ? 0 : 1),
    defaults: column(Float64Array, (f) => f.default ?? 0),
    mean: column(Float64Array, (f) => f.scale?.mean ?? 0),
    std: column(Float64Array, (f) => f.scale?.std ?? 1),
    labels: labels.codes,
    labelNames: labels.names,
    probabilityMap: probabilityMapFactory(labels.codes),
    labelKey: spec.output.labelKey,
    top: spec.output.top,
    probabilities: spec.output.probabilities,
    maxInstances: spec.limits.maxInstances,
    custom: undefined as CustomHooks | undefined
  } satisfies Transform
  if (custom !== undefined) {
    // The context closes over the finished transform, so it is made before the final freeze.
    const ctx: CustomContext = Object.freeze({
      transform,
      specPre: (instances: unknown) => specPre(transform, instances),
      specPost: (batch: Parameters<typeof specPost>[1]) => specPost(transform, batch)
    })
    transform.custom = Object.freeze({ file: custom.file, pre: custom.module.pre, post: custom.module.post, ctx })
  }
  return { ok: true, transform: Object.freeze(transform) }
}

/**
 * A function returning `{ [codes[0]]: data[offset], [codes[1]]: data[offset + 1], ... }` as one
 * object literal. Adding 72 keys one by one leaves V8 a slow dictionary-mode object: measured
 * ~2.5 us to build and slower to JSON.stringify, against ~0.5 us for the literal, on every
 * prediction. The code is generated the way fast-json-stringify does; codes enter it only through
 * JSON.stringify (a valid JS string literal), as computed keys so that "__proto__" stays a key.
 */
export function probabilityMapFactory (codes: readonly string[]): (data: readonly number[], offset: number) => Record<string, number> {
  const entries = codes.map((code, j) => `[${JSON.stringify(code)}]: data[offset + ${j}]`)
  return new Function('data', 'offset', `return { ${entries.join(', ')} }`) as (data: readonly number[], offset: number) => Record<string, number>
}

function deepFreeze<T> (value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}
