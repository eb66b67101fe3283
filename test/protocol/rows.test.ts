import { describe, it, expect } from 'vitest'
import { rowsFromOipOutput, rowsFromV1Predictions } from '../../src/protocol/rows.js'

const oip = (...outputs: unknown[]) => ({ model_name: 'hit-predictor', outputs })

describe('rowsFromOipOutput', () => {
  it('reshapes flat row-major data of shape [N, C]', () => {
    const body = oip({ name: 'probabilities', shape: [2, 3], datatype: 'FP32', data: [0.1, 0.2, 0.7, 0.3, 0.3, 0.4] })
    expect(rowsFromOipOutput(body)).toEqual({ ok: true, rows: [[0.1, 0.2, 0.7], [0.3, 0.3, 0.4]] })
  })

  it('accepts nested data', () => {
    const body = oip({ name: 'p', shape: [2, 2], datatype: 'FP32', data: [[0.1, 0.9], [0.6, 0.4]] })
    expect(rowsFromOipOutput(body)).toEqual({ ok: true, rows: [[0.1, 0.9], [0.6, 0.4]] })
  })

  it('reads shape [C] as one row and shape [0, C] as no rows', () => {
    expect(rowsFromOipOutput(oip({ name: 'p', shape: [3], data: [0.2, 0.3, 0.5] }))).toEqual({ ok: true, rows: [[0.2, 0.3, 0.5]] })
    expect(rowsFromOipOutput(oip({ name: 'p', shape: [0, 72], data: [] }))).toEqual({ ok: true, rows: [] })
  })

  it('picks the output by name, else the first', () => {
    const body = oip({ name: 'logits', shape: [1, 2], data: [3, -1] }, { name: 'probabilities', shape: [1, 2], data: [0.9, 0.1] })
    expect(rowsFromOipOutput(body, 'probabilities')).toEqual({ ok: true, rows: [[0.9, 0.1]] })
    expect(rowsFromOipOutput(body)).toEqual({ ok: true, rows: [[3, -1]] })
    expect(rowsFromOipOutput(body, 'scores')).toEqual({ ok: false, error: 'outputs: no output named "scores" (found: "logits", "probabilities")' })
  })

  it('refuses a body without outputs', () => {
    expect(rowsFromOipOutput({ error: 'boom' })).toEqual({ ok: false, error: 'outputs: missing or not an array' })
    expect(rowsFromOipOutput(null)).toEqual({ ok: false, error: 'outputs: missing or not an array' })
    expect(rowsFromOipOutput([1, 2])).toEqual({ ok: false, error: 'outputs: missing or not an array' })
    expect(rowsFromOipOutput(oip())).toEqual({ ok: false, error: 'outputs: empty' })
    expect(rowsFromOipOutput(oip(7))).toEqual({ ok: false, error: 'outputs[0]: expected an object, got 7' })
  })

  it('refuses a data length that does not match the shape', () => {
    expect(rowsFromOipOutput(oip({ name: 'p', shape: [2, 3], data: [1, 2, 3, 4, 5] })))
      .toEqual({ ok: false, error: 'outputs[0]: shape [2,3] needs 6 values, data has 5' })
    expect(rowsFromOipOutput(oip({ name: 'p', shape: [2, 2], data: [[1, 2], [3, 4], [5, 6]] })))
      .toEqual({ ok: false, error: 'outputs[0].data: has 3 rows, shape [2,2] needs 2' })
    expect(rowsFromOipOutput(oip({ name: 'p', shape: [2, 2], data: [[1, 2], [3]] })))
      .toEqual({ ok: false, error: 'outputs[0].data[1]: expected an array of 2 numbers, got an array of 1' })
    expect(rowsFromOipOutput(oip({ name: 'p', shape: [2, 2], data: [[1, 2], 3] })))
      .toEqual({ ok: false, error: 'outputs[0].data[1]: expected an array of 2 numbers, got 3' })
    expect(rowsFromOipOutput(oip({ name: 'p', shape: [4], data: [[1, 2], [3, 4]] })))
      .toEqual({ ok: false, error: 'outputs[0].data: nested data needs a shape [N, C], got [4]' })
  })

  it('refuses a bad shape', () => {
    for (const shape of [[2, -1], [1, 2, 3], [], [1.5], 'x', undefined]) {
      const r = rowsFromOipOutput(oip({ name: 'p', shape, data: [1] }))
      expect(r.ok).toBe(false)
      expect(r.ok ? '' : r.error).toMatch(/^outputs\[0\]\.shape: expected \[N, C\] or \[C\] of non-negative integers, got /)
    }
  })

  it('refuses data that is missing or not finite numbers, naming the element', () => {
    expect(rowsFromOipOutput(oip({ name: 'p', shape: [2] })))
      .toEqual({ ok: false, error: 'outputs[0].data: expected an array, got undefined' })
    expect(rowsFromOipOutput(oip({ name: 'p', shape: [2], data: [0.5, 'NaN'] })))
      .toEqual({ ok: false, error: 'outputs[0].data[1]: expected a finite number, got string "NaN"' })
    expect(rowsFromOipOutput(oip({ name: 'p', shape: [1, 2], data: [[null, 0.5]] })))
      .toEqual({ ok: false, error: 'outputs[0].data[0][0]: expected a finite number, got null' })
    expect(rowsFromOipOutput(oip({ name: 'p', shape: [2], data: [Infinity, 0] })))
      .toEqual({ ok: false, error: 'outputs[0].data[0]: expected a finite number, got Infinity' })
  })

  it('keeps error messages short for long values', () => {
    const r = rowsFromOipOutput(oip({ name: 'p', shape: [1], data: ['x'.repeat(1000)] }))
    expect(r.ok ? '' : r.error.length).toBeLessThan(100)
  })
})

describe('rowsFromV1Predictions', () => {
  it('reads arrays of numbers as rows and single numbers as rows of one', () => {
    expect(rowsFromV1Predictions({ predictions: [[0.1, 0.9], [0.7, 0.3]] })).toEqual({ ok: true, rows: [[0.1, 0.9], [0.7, 0.3]] })
    expect(rowsFromV1Predictions({ predictions: [4.5, 3] })).toEqual({ ok: true, rows: [[4.5], [3]] })
    expect(rowsFromV1Predictions({ predictions: [] })).toEqual({ ok: true, rows: [] })
  })

  it('refuses a missing list, labelled predictions, ragged rows and non-finite values', () => {
    expect(rowsFromV1Predictions({ outputs: [] })).toEqual({ ok: false, error: 'predictions: missing or not an array' })
    expect(rowsFromV1Predictions({ predictions: [{ SE: 0.4 }] }))
      .toEqual({ ok: false, error: 'predictions[0]: expected a number or an array of numbers, got an object' })
    expect(rowsFromV1Predictions({ predictions: [[0.5, 0.5], [1]] }))
      .toEqual({ ok: false, error: 'predictions[1]: has 1 values, predictions[0] has 2' })
    expect(rowsFromV1Predictions({ predictions: [[0.5, '0.5']] }))
      .toEqual({ ok: false, error: 'predictions[0][1]: expected a finite number, got string "0.5"' })
    expect(rowsFromV1Predictions({ predictions: [NaN] }))
      .toEqual({ ok: false, error: 'predictions[0]: expected a finite number, got NaN' })
  })
})
