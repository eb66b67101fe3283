/**
 * The transform spec schema: the single source of the spec's TypeScript types, its validator and
 * the field table in docs/transforms.md (see fields-table.ts). A spec sits beside a model version's
 * artifacts (`models/hit-predictor/v2/transform.yaml`) and says how named features become the
 * version's input tensor and how its output tensor becomes labelled predictions.
 * Structural rules are the zod shapes; rules relating fields to each other are the `check*` below,
 * run by the same parse so that every problem is reported at once, each with its path.
 */
import { z } from 'zod'
import { formatIssues } from '../schema-path.js'

/** OIP v2 datatypes a transform can fill from numbers (BOOL and BYTES cannot carry features). */
export const INPUT_DATATYPES = ['FP16', 'FP32', 'FP64', 'INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64'] as const
/** OIP v2 datatypes of an output tensor holding one probability per label. */
export const OUTPUT_DATATYPES = ['FP16', 'FP32', 'FP64'] as const
/** Fields of a top entry that a `labelKey` must not shadow. */
const RESERVED_LABEL_KEYS = new Set(['name', 'probability'])
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/
const identifier = (what: string) => z.string().regex(IDENTIFIER, `${what} must start with a letter or '_' and hold only letters, digits and '_'`)
// YAML reads `version: 2` as a number; say how to fix it rather than "expected string".
const quotedString = z.string({ error: (issue) => issue.input === undefined ? 'required' : `must be a string (quote it: "${String(issue.input)}")` }).min(1)

const ScaleSchema = z.strictObject({
  mean: z.number().describe('Subtracted from the value.'),
  std: z.number().positive('must be > 0').describe('The difference is divided by this (> 0).')
}).describe('Standardisation applied after validation: `value\' = (value - mean) / std`. Min-max scaling to [0, 1] is `{ mean: min, std: max - min }`. Absent: the value is sent as is.')

const FeatureSchema = z.strictObject({
  name: identifier('a feature name').describe('Key of the feature in each instance object. Its position in `features` is its column in the input tensor.'),
  type: z.enum(['number', 'integer']).default('number').describe('`number`: any finite number; `integer`: must also be integral.'),
  description: z.string().optional().describe('What the feature means, for people reading the spec.'),
  min: z.number().optional().describe('Smallest allowed value (inclusive unless `exclusiveMin`). Checked before scaling.'),
  max: z.number().optional().describe('Largest allowed value (inclusive unless `exclusiveMax`). Checked before scaling.'),
  exclusiveMin: z.boolean().default(false).describe('When true the value must be strictly greater than `min`.'),
  exclusiveMax: z.boolean().default(false).describe('When true the value must be strictly less than `max`.'),
  enum: z.array(z.number()).min(1).optional().describe('The only allowed values (for example `[0, 1]`).'),
  default: z.number().optional().describe('Used when an instance omits the feature (not when it sends `null`). Absent: the feature is required.'),
  scale: ScaleSchema.optional()
}).superRefine((f, ctx) => {
  for (const [path, message] of checkFeature(f)) ctx.addIssue({ code: 'custom', path, message })
}).describe('One input feature.')

const TensorSchema = <T extends readonly [string, ...string[]]>(datatypes: T, what: string) => z.strictObject({
  name: z.string().min(1).optional().describe(`Name of the upstream's ${what} tensor. Absent: the first ${what} in the upstream's metadata.`),
  datatype: z.enum(datatypes, { error: (issue) => `must be one of ${datatypes.join(', ')}, got ${JSON.stringify(issue.input)}` }).describe(`OIP v2 datatype of the ${what} tensor.`)
})

const ModelSchema = z.strictObject({
  input: TensorSchema(INPUT_DATATYPES, 'input').describe('The input tensor; its width is the number of features.'),
  output: TensorSchema(OUTPUT_DATATYPES, 'output').describe('The output tensor; its width is the number of labels.'),
  version: quotedString.optional().describe('Model version the upstream must list in its metadata `versions`. Absent: not checked.')
}).describe('The contract checked against the upstream\'s `GET /v2/models/{model}` metadata.')

const OutputSchema = z.strictObject({
  labels: z.string().min(1).describe('JSON file (relative to this spec) with one label per output column: an array of `{ "code", "name" }` or of strings.'),
  labelKey: identifier('labelKey').default('label').describe('Field that carries the label code in each top entry (`country` for the hit predictor).'),
  top: z.int().min(1, 'must be at least 1').default(5).describe('How many best labels each prediction lists, highest probability first. At most the number of labels.'),
  probabilities: z.boolean().default(true).describe('Also return the full `{ code: probability }` map per prediction.')
}).superRefine((output, ctx) => {
  if (RESERVED_LABEL_KEYS.has(output.labelKey)) {
    ctx.addIssue({ code: 'custom', path: ['labelKey'], message: `must not be "${output.labelKey}": top entries already have name and probability` })
  }
}).describe('How the output tensor becomes predictions.')

const LimitsSchema = z.strictObject({
  maxInstances: z.int().min(1, 'must be at least 1').max(100_000, 'must be at most 100000').default(1024).describe('Most instances one request may carry (more is a 400).')
}).describe('Per-request limits.')

/** The transform spec schema (zod 4): validator, TypeScript type and docs table in one. */
export const TransformSpecSchema = z.strictObject({
  schemaVersion: z.literal(1, { error: 'must be 1' }).describe('Transform spec format version. Must be 1.'),
  description: z.string().optional().describe('Free text for people reading the spec.'),
  model: ModelSchema,
  features: z.array(FeatureSchema).min(1, 'must list at least one feature').describe('The ordered input features: position i is column i of the input tensor.'),
  output: OutputSchema,
  limits: LimitsSchema.prefault({}),
  custom: z.string().regex(/\.m?js$/, 'must be a .mjs or .js file').optional().describe('JavaScript module (relative to this spec) exporting `pre` and/or `post`, which replace the spec-driven step they name.')
}).superRefine((spec, ctx) => {
  for (const [path, message] of checkSpec(spec)) ctx.addIssue({ code: 'custom', path, message })
}).describe('A transform spec (YAML).')

/** A validated transform spec, defaults filled in. */
export type TransformSpec = z.infer<typeof TransformSpecSchema>
/** One validated feature of a spec. */
export type FeatureSpec = z.infer<typeof FeatureSchema>
/** Datatype of the input tensor a spec may declare. */
export type InputDatatype = typeof INPUT_DATATYPES[number]
/** Datatype of the output tensor a spec may declare. */
export type OutputDatatype = typeof OUTPUT_DATATYPES[number]

type Problem = [path: (string | number)[], message: string]

/** Rules relating the fields of one feature; run even when other parts of the spec are broken. */
function checkFeature (f: FeatureSpec): Problem[] {
  const problems: Problem[] = []
  if (f.exclusiveMin && f.min === undefined) problems.push([['exclusiveMin'], 'needs a min'])
  if (f.exclusiveMax && f.max === undefined) problems.push([['exclusiveMax'], 'needs a max'])
  if (f.min !== undefined && f.max !== undefined && (f.max < f.min || (f.max === f.min && (f.exclusiveMin || f.exclusiveMax)))) {
    problems.push([['max'], `must be greater than min (${f.min}), got ${f.max}`])
  }
  f.enum?.forEach((v, k) => {
    const why = valueProblem(f, v)
    if (why !== undefined) problems.push([['enum', k], why])
  })
  if (f.default !== undefined) {
    const why = valueProblem(f, f.default) ?? (f.enum !== undefined && !f.enum.includes(f.default) ? `must be one of ${f.enum.join(', ')}, got ${f.default}` : undefined)
    if (why !== undefined) problems.push([['default'], why])
  }
  return problems
}

/** Rules relating features to each other and to the input tensor. */
function checkSpec (spec: TransformSpec): Problem[] {
  const problems: Problem[] = []
  const firstIndex = new Map<string, number>()
  const datatype = spec.model.input.datatype
  const integerInput = datatype.includes('INT')
  spec.features.forEach((f, i) => {
    const seen = firstIndex.get(f.name)
    if (seen !== undefined) problems.push([['features', i, 'name'], `duplicate feature "${f.name}" (also features[${seen}])`])
    else firstIndex.set(f.name, i)
    // An integer tensor cannot carry fractions: scaled or fractional values would be truncated.
    if (integerInput && f.type !== 'integer') problems.push([['features', i, 'type'], `must be integer: model.input.datatype is ${datatype}`])
    if (integerInput && f.scale !== undefined) problems.push([['features', i, 'scale'], `is not allowed: model.input.datatype is ${datatype}`])
  })
  return problems
}

/** Why a declared value (enum entry or default) could never pass this feature's own checks. */
function valueProblem (f: FeatureSpec, v: number): string | undefined {
  if (f.type === 'integer' && !Number.isInteger(v)) return `must be an integer (type is integer), got ${v}`
  if (f.min !== undefined && (f.exclusiveMin ? v <= f.min : v < f.min)) return `must be ${f.exclusiveMin ? '>' : '>='} min ${f.min}, got ${v}`
  if (f.max !== undefined && (f.exclusiveMax ? v >= f.max : v > f.max)) return `must be ${f.exclusiveMax ? '<' : '<='} max ${f.max}, got ${v}`
  return undefined
}

// Field names by the shape of their path with indices removed, for "did you mean" on typos.
const KNOWN_FIELDS: Record<string, readonly string[]> = {
  '': Object.keys(TransformSpecSchema.shape),
  model: Object.keys(ModelSchema.shape),
  'model.input': ['name', 'datatype'],
  'model.output': ['name', 'datatype'],
  features: Object.keys(FeatureSchema.shape),
  'features.scale': Object.keys(ScaleSchema.shape),
  output: Object.keys(OutputSchema.shape),
  limits: Object.keys(LimitsSchema.shape)
}

/**
 * Validate a parsed YAML value as a transform spec.
 *
 * @example
 * const r = parseTransformSpec(YAML.parse(text))
 * if (!r.ok) console.error(r.problems.join('\n')) // 'features[3].max: must be greater than min (0), got -1'
 */
export function parseTransformSpec (raw: unknown): { ok: true; spec: TransformSpec } | { ok: false; problems: string[] } {
  // reportInput: lets formatIssues tell a missing field ("required") from a wrong one.
  const parsed = TransformSpecSchema.safeParse(raw, { reportInput: true })
  return parsed.success ? { ok: true, spec: parsed.data } : { ok: false, problems: formatIssues(parsed.error.issues, (path) => KNOWN_FIELDS[path]) }
}
