/**
 * Is an upstream's 200 a prediction at all? The checks a gateway can make on an answer it passes
 * through without a transform: no labels, no declared probabilities, only what the protocol and the
 * upstream's own metadata promise. Each is cheap on a parsed answer and cannot refuse an answer the
 * protocol allows (so a good version is never ejected for its format):
 *
 * - OIP v2: an object with an `outputs` array; every output has a known datatype, a shape of
 *   non-negative integers, and data (flat or nested) holding exactly as many values as the shape
 *   promises, each of its datatype (finite numbers, integers for INT/UINT, booleans or 0/1 for
 *   BOOL; BYTES is not looked into). An output sent as binary data (`parameters.binary_data_size`)
 *   has no JSON data to check. A shape that contradicts the metadata the probe read (another rank,
 *   or another size where the metadata fixes one; the batch dimension is free) is refused too.
 * - KServe v1: an object with a `predictions` array, one per instance sent.
 *
 * Pure: the answer parsed, the metadata's outputs; an error naming the place, or undefined.
 */
import { DATATYPES, isPlainObject } from './oip.js'
import { describeValue } from '../describe.js'

const KNOWN: ReadonlySet<string> = new Set(DATATYPES)

/** An output as the upstream's OIP metadata declares it (`GET /v2/models/{m}`). */
export interface DeclaredOutput { name?: unknown; shape?: unknown }

/** Why an OIP answer is not an OIP inference response, or undefined when it is one. */
export function checkOipAnswer (body: unknown, declared: readonly DeclaredOutput[] = []): string | undefined {
  if (!isPlainObject(body)) return `(body): not an OIP inference response (an object with "outputs"), got ${describeValue(body)}`
  const outputs = body.outputs
  if (!Array.isArray(outputs)) return `outputs: ${outputs === undefined ? 'missing' : `must be an array, got ${describeValue(outputs)}`}`
  for (let i = 0; i < outputs.length; i++) {
    const error = checkOutput(outputs[i], `outputs[${i}]`, outputs.length, declared)
    if (error !== undefined) return error
  }
  return undefined
}

/** Why a KServe v1 answer is not the predictions of `instances` instances, or undefined. */
export function checkV1Answer (body: unknown, instances: number): string | undefined {
  if (!isPlainObject(body)) return `(body): not a KServe v1 answer (an object with "predictions"), got ${describeValue(body)}`
  const p = body.predictions
  if (!Array.isArray(p)) return `predictions: ${p === undefined ? 'missing' : `must be an array, got ${describeValue(p)}`}`
  if (p.length !== instances) return `predictions: ${p.length} for ${instances} instances sent`
  return undefined
}

function checkOutput (output: unknown, at: string, count: number, declared: readonly DeclaredOutput[]): string | undefined {
  if (!isPlainObject(output)) return `${at}: must be an object, got ${describeValue(output)}`
  const { datatype, shape } = output
  if (typeof datatype !== 'string' || !KNOWN.has(datatype)) return `${at}.datatype: not an OIP datatype: ${describeValue(datatype)}`
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) return `${at}.shape: must be an array of non-negative integers, got ${describeValue(shape)}`
  const d = declared.find((x) => x.name === output.name) ?? (declared.length === 1 && count === 1 ? declared[0] : undefined)
  if (d !== undefined && Array.isArray(d.shape)) {
    const want = d.shape as unknown[]
    const fits = want.length === shape.length && want.every((n, i) => i === 0 || typeof n !== 'number' || n < 0 || n === shape[i])
    if (!fits) return `${at}.shape: ${JSON.stringify(shape)} contradicts the model's metadata ${JSON.stringify(want)}`
  }
  if (output.data === undefined && isPlainObject(output.parameters) && output.parameters.binary_data_size !== undefined) return undefined
  if (!Array.isArray(output.data)) return `${at}.data: must be an array, got ${describeValue(output.data)}`
  const size = (shape as number[]).reduce((a, b) => a * b, 1)
  return checkData(output.data, `${at}.data`, datatype, size, shape as number[])
}

/** Count the values of (possibly nested) data in row-major order, iteratively, each checked against the datatype. */
function checkData (data: unknown[], at: string, datatype: string, size: number, shape: number[]): string | undefined {
  const valid = leafCheck(datatype)
  const stack: { level: unknown[]; next: number }[] = [{ level: data, next: 0 }]
  let values = 0
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!
    if (top.next === top.level.length) {
      stack.pop()
      continue
    }
    const x = top.level[top.next++]
    if (Array.isArray(x)) {
      stack.push({ level: x, next: 0 })
      continue
    }
    if (!valid(x)) return `${at}: value ${values} (row-major) is ${describeValue(x)}, not ${datatype}`
    values++
  }
  if (values !== size) return `${at}: ${values} values, the shape ${JSON.stringify(shape)} needs ${size}`
  return undefined
}

function leafCheck (datatype: string): (x: unknown) => boolean {
  if (datatype === 'BYTES') return () => true
  if (datatype === 'BOOL') return (x) => typeof x === 'boolean' || x === 0 || x === 1
  // JSON has no NaN or Infinity, but 1e400 parses to Infinity
  if (datatype.startsWith('FP')) return (x) => typeof x === 'number' && Number.isFinite(x)
  if (datatype.startsWith('UINT')) return (x) => Number.isInteger(x) && (x as number) >= 0
  return (x) => Number.isInteger(x)
}
