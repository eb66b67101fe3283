import { describe, it, expect } from 'vitest'
import {
  encodeV1Predict, encodeV2Infer, formatProbability, MAX_BATCH_ROWS, parseJsonBody, parseV1Predict, parseV2Infer, RequestError
} from '../../src/demo/inference-codec.js'

const ROW = [0.7, 0.8, 5, -6, 1, 0.05, 0.1, 0, 0.1, 0.6, 120, 200_000]

function v2 (input: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown {
  return { ...extra, inputs: [{ name: 'song_features', shape: [1, 12], datatype: 'FP32', data: ROW, ...input }] }
}

function errorOf (fn: () => unknown): RequestError {
  try {
    fn()
  } catch (err) {
    if (err instanceof RequestError) return err
    throw err
  }
  throw new Error('expected a RequestError')
}

describe('parseJsonBody', () => {
  it('parses JSON and turns a syntax error into a 400 that says so', () => {
    expect(parseJsonBody('{"a":1}')).toEqual({ a: 1 })
    const err = errorOf(() => parseJsonBody('{"a":'))
    expect(err.statusCode).toBe(400)
    expect(err.message).toMatch(/^request body is not valid JSON: /)
  })
})

describe('parseV2Infer', () => {
  it('reads the first input, whatever its name, flat or nested one row per array', () => {
    const flat = parseV2Infer(v2({ name: 'anything', shape: [2, 12], datatype: 'FP64', data: [...ROW, ...ROW] }, { id: 'r-1' }))
    expect(flat.id).toBe('r-1')
    expect(flat.rows.map((r) => [...r])).toEqual([ROW, ROW])
    const nested = parseV2Infer(v2({ shape: [2, 12], data: [ROW, ROW] }))
    expect(nested.id).toBeUndefined()
    expect(nested.rows.map((r) => [...r])).toEqual([ROW, ROW])
  })

  it.each([
    ['a non-object body', [1, 2], 'request body: expected a JSON object, got [1, 2]'],
    ['a non-string id', v2({}, { id: 7 }), 'id: expected a string, got 7'],
    ['missing inputs', { instances: [ROW] }, 'inputs: expected a non-empty array of input tensors, got nothing'],
    ['empty inputs', { inputs: [] }, 'inputs: expected a non-empty array of input tensors, got []'],
    ['a non-object input', { inputs: [null] }, 'inputs[0]: expected an object with name, shape, datatype and data, got null'],
    ['a wrong width', v2({ shape: [1, 11], data: ROW.slice(1) }), 'inputs[0].shape: expected [N, 12], got [1, 11]'],
    ['a rank-1 shape', v2({ shape: [12] }), 'inputs[0].shape: expected [N, 12], got [12]'],
    ['a fractional batch', v2({ shape: [1.5, 12] }), 'inputs[0].shape: expected [N, 12], got [1.5, 12]'],
    ['an integer datatype', v2({ datatype: 'INT64' }), 'inputs[0].datatype: expected FP32 or FP64, got "INT64"'],
    ['a missing datatype', v2({ datatype: undefined }), 'inputs[0].datatype: expected FP32 or FP64, got nothing'],
    ['an empty batch', v2({ shape: [0, 12], data: [] }), 'inputs[0].shape: batch is empty (N = 0); send at least one row'],
    ['a batch over the limit', v2({ shape: [1025, 12], data: [] }), 'inputs[0].shape: batch of 1025 rows is over the limit of 1024'],
    ['data not an array', v2({ data: 'abc' }), 'inputs[0].data: expected an array of numbers, got "abc"'],
    ['too few values', v2({ shape: [2, 12] }), 'inputs[0].data: shape [2, 12] needs 24 values, got 12'],
    ['too many values', v2({ data: [...ROW, 1] }), 'inputs[0].data: shape [1, 12] needs 12 values, got 13'],
    ['a string value', v2({ data: [...ROW.slice(0, 3), '5', ...ROW.slice(4)] }), 'inputs[0].data[3]: expected a finite number, got "5"'],
    ['a null value', v2({ data: [...ROW.slice(0, 11), null] }), 'inputs[0].data[11]: expected a finite number, got null'],
    ['an overflowing number (1e999 parses to Infinity)', parseJsonBody(`{"inputs":[{"shape":[1,12],"datatype":"FP32","data":[${ROW.slice(1).join(',')},1e999]}]}`), 'inputs[0].data[11]: expected a finite number, got Infinity'],
    ['a value inside a nested row', v2({ shape: [2, 12], data: [ROW, [...ROW.slice(0, 4), true, ...ROW.slice(5)]] }), 'inputs[0].data[1][4]: expected a finite number, got true'],
    ['nesting deeper than rows', v2({ shape: [1, 12], data: [[[1], ...ROW.slice(1)]] }), 'inputs[0].data[0][0]: expected a finite number, got [1]']
  ])('refuses %s with a 400 naming the field', (_label, body, message) => {
    const err = errorOf(() => parseV2Infer(body))
    expect(err.statusCode).toBe(400)
    expect(err.message).toBe(message)
  })

  it('accepts exactly MAX_BATCH_ROWS rows', () => {
    const data = Array.from({ length: MAX_BATCH_ROWS }, () => ROW).flat()
    expect(parseV2Infer(v2({ shape: [MAX_BATCH_ROWS, 12], data })).rows).toHaveLength(1024)
  })
})

describe('parseV1Predict', () => {
  it('reads instances as rows', () => {
    const parsed = parseV1Predict({ instances: [ROW, ROW.map((x) => x * 2)] })
    expect(parsed.rows.map((r) => [...r])).toEqual([ROW, ROW.map((x) => x * 2)])
    expect(parsed.id).toBeUndefined()
  })

  it.each([
    ['a non-object body', 'hello', 'request body: expected a JSON object, got "hello"'],
    ['missing instances', { inputs: [] }, 'instances: expected an array of rows, got nothing'],
    ['an empty batch', { instances: [] }, 'instances: batch is empty (N = 0); send at least one row'],
    ['a batch over the limit', { instances: Array.from({ length: 1025 }, () => ROW) }, 'instances: batch of 1025 rows is over the limit of 1024'],
    ['a short row', { instances: [ROW, ROW.slice(0, 11)] }, 'instances[1]: expected an array of 12 numbers, got 11 values'],
    ['named features', { instances: [{ tempo: 120 }] }, "instances[0]: expected an array of 12 numbers, got an object (named features are the gateway transform's job)"],
    ['a non-number', { instances: [[...ROW.slice(0, 2), 'x', ...ROW.slice(3)]] }, 'instances[0][2]: expected a finite number, got "x"']
  ])('refuses %s with a 400 naming the field', (_label, body, message) => {
    const err = errorOf(() => parseV1Predict(body))
    expect(err.statusCode).toBe(400)
    expect(err.message).toBe(message)
  })
})

describe('formatProbability', () => {
  it('prints 6 significant digits as a JSON number', () => {
    expect(formatProbability(0.0123456789)).toBe('0.0123457')
    expect(formatProbability(0.5)).toBe('0.5')
    expect(formatProbability(1)).toBe('1')
    expect(formatProbability(0)).toBe('0')
    expect(formatProbability(1.23456789e-9)).toBe('1.23457e-9')
    expect(formatProbability(2.5e-20)).toBe('2.50000e-20')
    expect(formatProbability(0.999999999)).toBe('1')
  })

  it('equals Number(p.toPrecision(6)) on 20000 seeded values across magnitudes', () => {
    let x = 12345
    for (let i = 0; i < 20_000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648
      const p = (x / 2147483648) ** ((i % 12) + 1)
      expect(Number(formatProbability(p))).toBe(Number(p.toPrecision(6)))
    }
  })
})

describe('encoders', () => {
  const probs = [[0.25, 0.75], [0.5, 0.5]]

  it('writes an OIP v2 response: flat row-major data, shape [N, width], the id only when given', () => {
    const prefix = '{"model_name":"m","model_version":"1",'
    const withId = JSON.parse(encodeV2Infer(prefix, 'out', 'a"b', probs))
    expect(withId).toEqual({
      model_name: 'm',
      model_version: '1',
      id: 'a"b',
      outputs: [{ name: 'out', datatype: 'FP32', shape: [2, 2], data: [0.25, 0.75, 0.5, 0.5] }]
    })
    expect('id' in JSON.parse(encodeV2Infer(prefix, 'out', undefined, probs))).toBe(false)
  })

  it('writes a KServe v1 response: one array per row', () => {
    expect(JSON.parse(encodeV1Predict(probs))).toEqual({ predictions: [[0.25, 0.75], [0.5, 0.5]] })
  })
})
