import { describe, it, expect } from 'vitest'
import { loadTransform } from '../../src/transform/load.js'
import { fromOipResponse, toOipRequest } from '../../src/transform/oip.js'

const t = await loadTransform('test/fixtures/transforms/valid-scaled.yaml') // input x, output y FP32, labels A B C
const answer = (output: Record<string, unknown>) => ({ model_name: 'm', outputs: [{ name: 'y', datatype: 'FP32', shape: [2, 3], data: [0.1, 0.2, 0.7, 0.5, 0.25, 0.25], ...output }] })

describe('toOipRequest', () => {
  const batch = { rows: 2, width: 3, data: [1, 2, 3, 4, 5, 6] }

  it('sends one input tensor of shape [rows, width] with the spec\'s name and datatype', () => {
    expect(toOipRequest(t, batch)).toEqual({ inputs: [{ name: 'x', shape: [2, 3], datatype: 'FP32', data: [1, 2, 3, 4, 5, 6] }] })
  })

  it('echoes the request id and prefers the name found by the contract check', () => {
    expect(toOipRequest(t, batch, { id: 'r-1', inputName: 'upstream_x' })).toEqual({ id: 'r-1', inputs: [{ name: 'upstream_x', shape: [2, 3], datatype: 'FP32', data: [1, 2, 3, 4, 5, 6] }] })
  })
})

describe('fromOipResponse', () => {
  it('takes the named output as a batch', () => {
    expect(fromOipResponse(t, answer({}), 2)).toEqual({ ok: true, batch: { rows: 2, width: 3, data: [0.1, 0.2, 0.7, 0.5, 0.25, 0.25] } })
  })

  it('flattens nested row-major data', () => {
    const r = fromOipResponse(t, answer({ data: [[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]] }), 2)
    expect(r.ok && r.batch.data).toEqual([0.1, 0.2, 0.7, 0.5, 0.25, 0.25])
  })

  it.each([
    ['no outputs', { outputs: [] }, 'answer has no "outputs" array'],
    ['another output name', answer({ name: 'z' }), 'answer has no output named "y"'],
    ['another datatype', answer({ datatype: 'FP64' }), 'output "y": datatype is "FP64", the transform expects FP32'],
    ['another width', answer({ shape: [2, 2], data: [1, 2, 3, 4] }), 'output "y": shape is [2, 2], expected [2, 3]'],
    ['another row count', answer({ shape: [1, 3], data: [1, 2, 3] }), 'output "y": shape is [1, 3], expected [2, 3]'],
    ['data shorter than the shape', answer({ data: [0.1, 0.2] }), 'output "y": data has 2 values, shape [2, 3] needs 6'],
    ['a non-number', answer({ data: [0.1, 0.2, '0.7', 0.5, 0.25, 0.25] }), 'output "y": data[2] is string "0.7", not a number']
  ])('refuses %s as an upstream fault', (_, body, error) => {
    expect(fromOipResponse(t, body, 2)).toEqual({ ok: false, fault: 'upstream', error })
  })
})
