import { describe, expect, it } from 'vitest'
import { ConfigSchema } from '../../src/config/schema.js'
import { planUpstream, readsAnswerWhole, SMALL_ANSWER_BYTES } from '../../src/gateway/plan.js'
import { Runtime } from '../../src/runtime/runtime.js'

const version = new Runtime(ConfigSchema.parse({ schemaVersion: 1, models: { m: { versions: { v1: { url: 'http://a:1/p', weight: 100 } } } } })).require('m').versions.get('v1')!
const tensor = { inputs: [{ name: 'x', shape: [1, 2], datatype: 'FP32', data: [1, 2] }] }

describe('planUpstream', () => {
  it('sends an OIP v2 request to the version\'s infer path as it is', () => {
    expect(planUpstream('m', version, 'v2', tensor, 'id')).toEqual({ path: '/p/v2/models/m/infer', kind: 'v2' })
  })

  it('sends a v1 request of numbers to the predict path, and named features to infer through the transform', () => {
    expect(planUpstream('m', version, 'v1', { instances: [[1, 2]] }, 'id')).toEqual({ path: '/p/v1/models/m:predict', kind: 'v1' })
    expect(planUpstream('m', version, 'v1', { instances: [{ tempo: 120 }] }, 'id')).toEqual({ path: '/p/v2/models/m/infer', kind: 'v2', instances: [{ tempo: 120 }] })
  })

  it('refuses a body that is not a request of its protocol with a 400 naming the place', () => {
    expect(() => planUpstream('m', version, 'v2', { inputs: 'x' }, 'id')).toThrow(expect.objectContaining({ code: 'HEADLINER_ERR_BAD_REQUEST', statusCode: 400 }))
    expect(() => planUpstream('m', version, 'v1', { nope: 1 }, 'id')).toThrow(expect.objectContaining({ code: 'HEADLINER_ERR_BAD_REQUEST' }))
  })
})

describe('readsAnswerWhole', () => {
  it('reads whole what is labelled, observed or small; streams the rest', () => {
    const big = { 'content-length': String(SMALL_ANSWER_BYTES + 1) }
    expect(readsAnswerWhole(true, false, big)).toBe(true)
    expect(readsAnswerWhole(false, true, big)).toBe(true)
    expect(readsAnswerWhole(false, false, { 'content-length': String(SMALL_ANSWER_BYTES) })).toBe(true)
    expect(readsAnswerWhole(false, false, big)).toBe(false)
    // no content-length (chunked): read whole within the byte limit, so a trickled or endless body can still be a 504
    expect(readsAnswerWhole(false, false, {})).toBe(true)
  })
})

describe('planUpstream: a raw tensor for a version whose transform declares another feature order', () => {
  const order = (columns: number[]) => ({ ...version, tensorOrder: { kind: 'reorder' as const, columns, input: 'y' } })
  const swapped = order([1, 0])

  it('sends the tensor re-ordered by feature name (OIP v2 and KServe v1 number arrays)', () => {
    const plan = planUpstream('m', swapped, 'v2', tensor, 'id')
    expect(JSON.parse(plan.reordered!.toString())).toEqual({ inputs: [{ name: 'y', shape: [1, 2], datatype: 'FP32', data: [2, 1] }] })
    const v1 = planUpstream('m', swapped, 'v1', { instances: [[1, 2], [3, 4]] }, 'id')
    expect(v1).toMatchObject({ path: '/p/v1/models/m:predict', kind: 'v1' })
    expect(JSON.parse(v1.reordered!.toString())).toEqual({ instances: [[2, 1], [4, 3]] })
  })

  it('bridges re-ordered v1 instances to an OIP-only upstream', () => {
    const oipOnly = { ...swapped, config: { ...swapped.config, protocol: 'v2' as const } }
    const plan = planUpstream('m', oipOnly, 'v1', { instances: [[1, 2]] }, 'id')
    expect(JSON.parse(plan.bridged!.toString()).inputs[0].data).toEqual([2, 1])
  })

  it('leaves a version reading the model\'s order with the caller\'s bytes (no re-ordered body)', () => {
    expect(planUpstream('m', version, 'v2', tensor, 'id').reordered).toBeUndefined()
    expect(planUpstream('m', version, 'v1', { instances: [[1, 2]] }, 'id').reordered).toBeUndefined()
  })

  it('refuses with a 400 a tensor that is not [rows, width] of the model\'s order: its columns would be read as the wrong features', () => {
    const wide = { inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] }
    expect(() => planUpstream('m', swapped, 'v2', wide, 'id')).toThrow(expect.objectContaining({ code: 'HEADLINER_ERR_BAD_REQUEST', message: expect.stringMatching(/^inputs\[0\]\.shape: is \[1, 3\]; version "v1" reads \[rows, 2\]/) }))
    expect(() => planUpstream('m', swapped, 'v1', { instances: [[1, 2, 3]] }, 'id')).toThrow(expect.objectContaining({ statusCode: 400 }))
  })
})
