/**
 * The checks of an answer passed through without a transform: they refuse what the OIP and KServe
 * v1 protocols do not allow, and nothing they allow.
 */
import { describe, expect, it } from 'vitest'
import { checkOipAnswer, checkV1Answer } from '../../src/protocol/answers.js'

const out = (o: Record<string, unknown>) => ({ model_name: 'm', outputs: [{ name: 'p', datatype: 'FP32', shape: [1, 2], data: [0.5, 0.5], ...o }] })

describe('checkOipAnswer', () => {
  it('accepts what OIP allows', () => {
    expect(checkOipAnswer(out({}))).toBeUndefined()
    expect(checkOipAnswer(out({ data: [[0.5, 0.5]] }))).toBeUndefined()
    expect(checkOipAnswer(out({ datatype: 'BOOL', data: [true, 0] }))).toBeUndefined()
    expect(checkOipAnswer(out({ datatype: 'INT64', data: [-3, 7] }))).toBeUndefined()
    expect(checkOipAnswer(out({ datatype: 'BYTES', data: ['a', 'b'] }))).toBeUndefined()
    expect(checkOipAnswer(out({ shape: [0, 2], data: [] }))).toBeUndefined()
    expect(checkOipAnswer(out({ data: undefined, parameters: { binary_data_size: 8 } }))).toBeUndefined()
    expect(checkOipAnswer({ outputs: [] })).toBeUndefined()
  })

  it('refuses what it does not, naming the place', () => {
    expect(checkOipAnswer([1, 2])).toMatch(/^\(body\): not an OIP inference response/)
    expect(checkOipAnswer({ outputs: {} })).toBe('outputs: must be an array, got an object')
    expect(checkOipAnswer(out({ datatype: 'FLOAT' }))).toBe('outputs[0].datatype: not an OIP datatype: string "FLOAT"')
    expect(checkOipAnswer(out({ shape: [1, -2] }))).toMatch(/^outputs\[0\]\.shape: must be an array of non-negative integers/)
    expect(checkOipAnswer(out({ data: undefined }))).toBe('outputs[0].data: must be an array, got undefined')
    expect(checkOipAnswer(out({ data: [[0.5], [0.5], [0.5]] }))).toBe('outputs[0].data: 3 values, the shape [1,2] needs 2')
    expect(checkOipAnswer(out({ datatype: 'UINT8', data: [1, -1] }))).toBe('outputs[0].data: value 1 (row-major) is -1, not UINT8')
    expect(checkOipAnswer(out({ datatype: 'INT32', data: [1, 2.5] }))).toBe('outputs[0].data: value 1 (row-major) is 2.5, not INT32')
    expect(checkOipAnswer(out({ data: [[0.5], [null]] }))).toBe('outputs[0].data: value 1 (row-major) is null, not FP32')
  })

  it('holds the answer to the metadata: by name, or the only output to the only declared one; the batch dimension is free', () => {
    expect(checkOipAnswer(out({ shape: [7, 2], data: new Array(14).fill(0.5) }), [{ name: 'p', shape: [-1, 2] }])).toBeUndefined()
    expect(checkOipAnswer(out({}), [{ name: 'probabilities', shape: [-1, 3] }])).toMatch(/contradicts the model's metadata \[-1,3\]/)
    expect(checkOipAnswer(out({ shape: [2], data: [0.5, 0.5] }), [{ name: 'p', shape: [-1, 2] }])).toMatch(/\[2\] contradicts/)
    expect(checkOipAnswer(out({}), [{ name: 'a', shape: [-1, 3] }, { name: 'b', shape: [-1, 3] }])).toBeUndefined()
  })

  it('walks deep nesting without recursion', () => {
    let data: unknown = [0.5, 0.5]
    for (let i = 0; i < 200_000; i++) data = [data]
    expect(checkOipAnswer(out({ data }))).toBeUndefined()
  })
})

describe('checkV1Answer', () => {
  it('wants one prediction per instance', () => {
    expect(checkV1Answer({ predictions: [[0.5, 0.5], 'cat'] }, 2)).toBeUndefined()
    expect(checkV1Answer({ predictions: [1] }, 2)).toBe('predictions: 1 for 2 instances sent')
    expect(checkV1Answer({ outputs: [1] }, 1)).toBe('predictions: missing')
    expect(checkV1Answer('ok', 1)).toMatch(/^\(body\): not a KServe v1 answer/)
  })
})
