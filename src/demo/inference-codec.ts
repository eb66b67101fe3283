import { FEATURE_COUNT } from './features.js'

/**
 * Wire formats of the demo model server: parsing and validating inference requests (OIP v2 infer,
 * KServe v1 predict) into rows of numbers, and encoding probability vectors back. Pure functions;
 * the HTTP plumbing lives in model-server.ts.
 */

/** Largest batch one request may carry; bounds the work and memory a single call can cause. */
export const MAX_BATCH_ROWS = 1024

/** A caller mistake: carries the HTTP status and a message naming what was wrong and where. */
export class RequestError extends Error {
  readonly statusCode: number

  constructor (statusCode: number, message: string) {
    super(message)
    this.name = 'RequestError'
    this.statusCode = statusCode
  }
}

/** A validated inference request: the rows to score and the request id to echo (OIP v2 only). */
export interface ParsedInference {
  id: string | undefined
  rows: Float64Array[]
}

function bad (where: string, what: string): RequestError {
  return new RequestError(400, `${where}: ${what}`)
}

/** Short description of a JSON value for error messages ("null", "an object", "\"INT64\"", "[1, 11]"). */
function describe (value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return value.length <= 4 ? `[${value.map(describe).join(', ')}]` : `an array of ${value.length}`
  if (typeof value === 'object') return 'an object'
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)
  return String(value)
}

function isObject (value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** JSON.parse that turns a syntax error into a 400 naming the problem. */
export function parseJsonBody (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new RequestError(400, `request body is not valid JSON: ${(err as Error).message}`)
  }
}

function checkBatchSize (where: string, rows: number): void {
  if (rows === 0) throw bad(where, 'batch is empty (N = 0); send at least one row')
  if (rows > MAX_BATCH_ROWS) throw bad(where, `batch of ${rows} rows is over the limit of ${MAX_BATCH_ROWS}`)
}

function finite (value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw bad(where, `expected a finite number, got ${describe(value)}`)
  return value
}

/**
 * Validates an OIP v2 infer body. Like many servers it reads the FIRST input whatever its name;
 * `data` may be flat (row-major) or nested one row per array, as the OIP spec allows.
 *
 * @throws RequestError (400) naming the offending field, e.g. `inputs[0].shape: expected [N, 12], got [1, 11]`.
 */
export function parseV2Infer (body: unknown): ParsedInference {
  if (!isObject(body)) throw bad('request body', `expected a JSON object, got ${describe(body)}`)
  const id = body.id
  if (id !== undefined && typeof id !== 'string') throw bad('id', `expected a string, got ${describe(id)}`)
  const inputs = body.inputs
  if (!Array.isArray(inputs) || inputs.length === 0) {
    throw bad('inputs', `expected a non-empty array of input tensors, got ${describe(inputs)}`)
  }
  const input: unknown = inputs[0]
  if (!isObject(input)) throw bad('inputs[0]', `expected an object with name, shape, datatype and data, got ${describe(input)}`)
  const { shape, datatype, data } = input
  if (datatype !== 'FP32' && datatype !== 'FP64') throw bad('inputs[0].datatype', `expected FP32 or FP64, got ${describe(datatype)}`)
  if (!Array.isArray(shape) || shape.length !== 2 || !Number.isSafeInteger(shape[0]) || (shape[0] as number) < 0 || shape[1] !== FEATURE_COUNT) {
    throw bad('inputs[0].shape', `expected [N, ${FEATURE_COUNT}], got ${describe(shape)}`)
  }
  const n = shape[0] as number
  checkBatchSize('inputs[0].shape', n)
  if (!Array.isArray(data)) throw bad('inputs[0].data', `expected an array of numbers, got ${describe(data)}`)

  // Count first so a length mismatch is reported as such, not as a bad number somewhere.
  let count = 0
  for (const item of data) count += Array.isArray(item) ? item.length : 1
  if (count !== n * FEATURE_COUNT) {
    throw bad('inputs[0].data', `shape [${n}, ${FEATURE_COUNT}] needs ${n * FEATURE_COUNT} values, got ${count}`)
  }
  const flat = new Float64Array(count)
  let k = 0
  for (let i = 0; i < data.length; i++) {
    const item: unknown = data[i]
    if (Array.isArray(item)) {
      // One level of nesting only: deeper arrays fail the number check instead of recursing.
      for (let j = 0; j < item.length; j++) flat[k++] = finite(item[j], `inputs[0].data[${i}][${j}]`)
    } else {
      flat[k++] = finite(item, `inputs[0].data[${i}]`)
    }
  }
  const rows = new Array<Float64Array>(n)
  for (let r = 0; r < n; r++) rows[r] = flat.subarray(r * FEATURE_COUNT, (r + 1) * FEATURE_COUNT)
  return { id, rows }
}

/**
 * Validates a KServe v1 predict body: `{"instances": [[12 numbers], ...]}`. Named-feature objects
 * are refused: turning names into positions is the job of the gateway's transform.
 *
 * @throws RequestError (400) naming the offending instance, e.g. `instances[2]: expected an array of 12 numbers, got 11 values`.
 */
export function parseV1Predict (body: unknown): ParsedInference {
  if (!isObject(body)) throw bad('request body', `expected a JSON object, got ${describe(body)}`)
  const instances = body.instances
  if (!Array.isArray(instances)) throw bad('instances', `expected an array of rows, got ${describe(instances)}`)
  checkBatchSize('instances', instances.length)
  const rows = new Array<Float64Array>(instances.length)
  for (let i = 0; i < instances.length; i++) {
    const instance: unknown = instances[i]
    if (!Array.isArray(instance)) {
      throw bad(`instances[${i}]`, `expected an array of ${FEATURE_COUNT} numbers, got ${describe(instance)} (named features are the gateway transform's job)`)
    }
    if (instance.length !== FEATURE_COUNT) {
      throw bad(`instances[${i}]`, `expected an array of ${FEATURE_COUNT} numbers, got ${instance.length} values`)
    }
    const row = new Float64Array(FEATURE_COUNT)
    for (let j = 0; j < FEATURE_COUNT; j++) row[j] = finite(instance[j], `instances[${i}][${j}]`)
    rows[i] = row
  }
  return { id: undefined, rows }
}

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k)

/**
 * A probability as a JSON number with 6 significant digits (FP32 carries about 7), the same value
 * as `Number(p.toPrecision(6))` but ~5x cheaper: round to an integer, divide by an exact power of
 * ten, and let V8 print the shortest form. This is the server's hottest code after JSON.parse.
 */
export function formatProbability (p: number): string {
  // Outside [1e-15, 1] the power of ten would leave the exact range (10^22); rare, so be general.
  if (!(p >= 1e-15 && p <= 1)) return p === 0 ? '0' : p.toPrecision(6)
  const k = 5 - Math.floor(Math.log10(p))
  const scale = POW10[k] as number
  return String(Math.round(p * scale) / scale)
}

/** Comma-separated probabilities, no brackets (v2 concatenates rows flat, v1 wraps each). */
function joinRow (values: readonly number[]): string {
  let out = ''
  for (let i = 0; i < values.length; i++) out += (i === 0 ? '' : ',') + formatProbability(values[i] as number)
  return out
}

/** OIP v2 infer response body; `prefix` is the precomputed `{"model_name":..,"model_version":..,` head. */
export function encodeV2Infer (prefix: string, outputName: string, id: string | undefined, probabilities: readonly number[][]): string {
  const width = probabilities[0]?.length ?? 0
  let data = ''
  for (let r = 0; r < probabilities.length; r++) {
    // OIP data is flat, row-major.
    data += (r === 0 ? '' : ',') + joinRow(probabilities[r] as number[])
  }
  const idPart = id === undefined ? '' : `"id":${JSON.stringify(id)},`
  return `${prefix}${idPart}"outputs":[{"name":${JSON.stringify(outputName)},"datatype":"FP32","shape":[${probabilities.length},${width}],"data":[${data}]}]}`
}

/** KServe v1 predict response body: `{"predictions": [[...72 probabilities], ...]}`. */
export function encodeV1Predict (probabilities: readonly number[][]): string {
  let rows = ''
  for (let r = 0; r < probabilities.length; r++) rows += (r === 0 ? '[' : ',[') + joinRow(probabilities[r] as number[]) + ']'
  return `{"predictions":[${rows}]}`
}
