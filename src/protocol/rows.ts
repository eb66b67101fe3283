/**
 * Turn upstream answers into rows of numbers for comparison: OIP v2 outputs and KServe v1 predictions.
 * Errors name the place in the body that was wrong.
 */
import { describeValue } from '../describe.js'

/** Rows read from a response body, or what was wrong with it and where. */
export type RowsResult = { ok: true; rows: number[][] } | { ok: false; error: string }

/**
 * Rows of one output of an OIP v2 (KServe v2) inference response: the output named `outputName`,
 * else the first. Shape `[N, C]` gives N rows, `[C]` one row. `data` may be flat in row-major order
 * (as the OIP spec says) or nested as N arrays of C (as some servers send); either must hold exactly
 * the values the shape promises, all finite numbers.
 * @example rowsFromOipOutput({ outputs: [{ name: 'p', shape: [1, 2], datatype: 'FP32', data: [0.3, 0.7] }] }) // { ok: true, rows: [[0.3, 0.7]] }
 */
export function rowsFromOipOutput (body: unknown, outputName?: string): RowsResult {
  if (!isRecord(body) || !Array.isArray(body.outputs)) return fail('outputs: missing or not an array')
  const outputs: unknown[] = body.outputs
  let index = 0
  if (outputName !== undefined) {
    index = outputs.findIndex(o => isRecord(o) && o.name === outputName)
    const names = outputs.map(o => (isRecord(o) ? JSON.stringify(o.name) : '?')).join(', ')
    if (index < 0) return fail(`outputs: no output named ${JSON.stringify(outputName)} (found: ${names || 'none'})`)
  } else if (outputs.length === 0) return fail('outputs: empty')
  const at = `outputs[${index}]`
  const output = outputs[index]
  if (!isRecord(output)) return fail(`${at}: expected an object, got ${describeValue(output)}`)
  const shape = output.shape
  if (!Array.isArray(shape) || shape.length < 1 || shape.length > 2 || !shape.every(d => Number.isInteger(d) && d >= 0)) {
    return fail(`${at}.shape: expected [N, C] or [C] of non-negative integers, got ${describeValue(shape)}`)
  }
  const n: number = shape.length === 2 ? shape[0] : 1
  const c: number = shape.length === 2 ? shape[1] : shape[0]
  const data = output.data
  if (!Array.isArray(data)) return fail(`${at}.data: expected an array, got ${describeValue(data)}`)
  const rows: number[][] = []
  if (data.length > 0 && Array.isArray(data[0])) {
    if (shape.length !== 2) return fail(`${at}.data: nested data needs a shape [N, C], got ${JSON.stringify(shape)}`)
    if (data.length !== n) return fail(`${at}.data: has ${data.length} rows, shape ${JSON.stringify(shape)} needs ${n}`)
    for (let r = 0; r < n; r++) {
      const row: unknown = data[r]
      if (!Array.isArray(row) || row.length !== c) return fail(`${at}.data[${r}]: expected an array of ${c} numbers, got ${describeValue(row)}`)
      const bad = firstNotFinite(row)
      if (bad >= 0) return fail(`${at}.data[${r}][${bad}]: expected a finite number, got ${describeValue(row[bad])}`)
      rows.push(row)
    }
    return { ok: true, rows }
  }
  if (data.length !== n * c) return fail(`${at}: shape ${JSON.stringify(shape)} needs ${n * c} values, data has ${data.length}`)
  const bad = firstNotFinite(data)
  if (bad >= 0) return fail(`${at}.data[${bad}]: expected a finite number, got ${describeValue(data[bad])}`)
  for (let r = 0; r < n; r++) rows.push(data.slice(r * c, (r + 1) * c))
  return { ok: true, rows }
}

/**
 * Rows of a KServe v1 response `{"predictions": [...]}`: each prediction is an array of numbers (one
 * row) or a single number (a row of one). Rows must all have the same width. Labelled predictions
 * (objects, after a transform's post-processing) are refused: compare the raw upstream answers.
 */
export function rowsFromV1Predictions (body: unknown): RowsResult {
  if (!isRecord(body) || !Array.isArray(body.predictions)) return fail('predictions: missing or not an array')
  const predictions: unknown[] = body.predictions
  const rows: number[][] = []
  for (let r = 0; r < predictions.length; r++) {
    const p = predictions[r]
    const row = typeof p === 'number' ? [p] : p
    if (!Array.isArray(row)) return fail(`predictions[${r}]: expected a number or an array of numbers, got ${describeValue(p)}`)
    const bad = firstNotFinite(row)
    if (bad >= 0) return fail(`predictions[${r}]${Array.isArray(p) ? `[${bad}]` : ''}: expected a finite number, got ${describeValue(row[bad])}`)
    if (r > 0 && row.length !== rows[0]!.length) return fail(`predictions[${r}]: has ${row.length} values, predictions[0] has ${rows[0]!.length}`)
    rows.push(row)
  }
  return { ok: true, rows }
}

function fail (error: string): RowsResult {
  return { ok: false, error }
}

function isRecord (x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

/** Index of the first element that is not a finite number, or -1. */
function firstNotFinite (values: unknown[]): number {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (typeof v !== 'number' || !Number.isFinite(v)) return i
  }
  return -1
}

/** Rows of an answer in the protocol the upstream was called with: OIP v2 outputs, or KServe v1 predictions. */
export function rowsFromAnswer (protocol: 'v2' | 'v1' | undefined, body: unknown): RowsResult {
  return protocol === 'v1' ? rowsFromV1Predictions(body) : rowsFromOipOutput(body)
}
