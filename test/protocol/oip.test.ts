import { describe, expect, it } from 'vitest'
import { checkInferRequest } from '../../src/protocol/oip.js'

const req = (input: Record<string, unknown>) => ({ inputs: [{ name: 'x', ...input }] })
const errorOf = (body: unknown) => {
  const r = checkInferRequest(body)
  return r.ok ? undefined : r.error
}

describe('deeply nested data (a 500 from a stack overflow before)', () => {
  it('refuses data nested deeper than the shape with a 400-style message, not a RangeError', () => {
    let data: unknown = [1]
    for (let i = 0; i < 200_000; i++) data = [data]
    const error = errorOf(req({ shape: [1], datatype: 'FP32', data }))
    expect(error).toMatch(/inputs\[0\]\.data\[0\]: nested deeper than the shape \[1\]/)
  })

  it('still accepts nesting that follows the shape', () => {
    expect(errorOf(req({ shape: [2, 3], datatype: 'FP32', data: [[1, 2, 3], [4, 5, 6]] }))).toBeUndefined()
    expect(errorOf(req({ shape: [2, 3, 2], datatype: 'FP32', data: [[1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6]] }))).toBeUndefined()
    expect(errorOf(req({ shape: [2, 3], datatype: 'FP32', data: [1, 2, 3, 4, 5, 6] }))).toBeUndefined()
    expect(errorOf(req({ shape: [], datatype: 'FP32', data: [1] }))).toBeUndefined()
  })
})

describe('jagged data that contradicts the shape', () => {
  it('refuses rows of different lengths even when the element count matches', () => {
    expect(errorOf(req({ shape: [2, 3], datatype: 'FP32', data: [[1, 2, 3, 4], [5, 6]] })))
      .toBe('inputs[0].data[1]: has 2 elements but data[0] has 4 (data must be a regular array for shape [2, 3])')
  })

  it('refuses a nested array mixed with numbers at one level', () => {
    expect(errorOf(req({ shape: [2, 2], datatype: 'FP32', data: [[1, 2], 3, 4] }))).toMatch(/^inputs\[0\]\.data\[1\]: must be an array like data\[0\]/)
  })

  it('refuses nested dimensions that differ from the shape, naming both', () => {
    expect(errorOf(req({ shape: [2, 3], datatype: 'FP32', data: [[1, 2], [3, 4], [5, 6]] })))
      .toBe('inputs[0].data: nested as [3, 2] but the shape is [2, 3]')
  })
})

describe('numbers the datatype cannot hold', () => {
  it('says an INT64 beyond 2^53 cannot be represented exactly instead of quoting a rounded number as the value', () => {
    const body = JSON.parse('{"inputs":[{"name":"x","shape":[1],"datatype":"INT64","data":[9007199254740993]}]}') as unknown
    const error = errorOf(body)
    expect(error).toMatch(/^inputs\[0\]\.data\[0\]: INT64 value cannot be represented exactly/)
    expect(error).toContain('9007199254740991')
    expect(error).not.toMatch(/out of range for INT64: 9007199254740992$/)
  })

  it('accepts the largest exact integer', () => {
    expect(errorOf(req({ shape: [2], datatype: 'INT64', data: [9007199254740991, -9007199254740991] }))).toBeUndefined()
  })

  it('refuses FP32 and FP16 values that overflow their type, and accepts the largest finite ones', () => {
    expect(errorOf(req({ shape: [1], datatype: 'FP32', data: [3.5e38] }))).toMatch(/^inputs\[0\]\.data\[0\]: 3\.5e\+38 overflows FP32/)
    expect(errorOf(req({ shape: [1], datatype: 'FP32', data: [-1e39] }))).toMatch(/overflows FP32/)
    expect(errorOf(req({ shape: [1], datatype: 'FP32', data: [3.4028234e38] }))).toBeUndefined()
    expect(errorOf(req({ shape: [1], datatype: 'FP16', data: [65505] }))).toMatch(/^inputs\[0\]\.data\[0\]: 65505 overflows FP16/)
    expect(errorOf(req({ shape: [2], datatype: 'FP16', data: [65504, -65504] }))).toBeUndefined()
    expect(errorOf(req({ shape: [1], datatype: 'FP64', data: [1e300] }))).toBeUndefined()
  })
})
