import { describe, expect, it } from 'vitest'
import { ConfigSchema } from '../../src/config/schema.js'
import { planUpstream, readsAnswerWhole, SMALL_ANSWER_BYTES } from '../../src/gateway/plan.js'
import { Runtime } from '../../src/runtime/runtime.js'

const version = new Runtime(ConfigSchema.parse({ schemaVersion: 1, models: { m: { versions: { v1: { url: 'http://a:1/p', weight: 100 } } } } })).require('m').versions.get('v1')!
const tensor = { inputs: [{ name: 'x', shape: [1, 2], datatype: 'FP32', data: [1, 2] }] }

describe('planUpstream', () => {
  it('sends an OIP v2 request to the version\'s infer path as it is', () => {
    expect(planUpstream(version, 'v2', tensor)).toEqual({ path: '/p/v2/models/m/infer', kind: 'v2' })
  })

  it('sends a v1 request of numbers to the predict path, and named features to infer through the transform', () => {
    expect(planUpstream(version, 'v1', { instances: [[1, 2]] })).toEqual({ path: '/p/v1/models/m:predict', kind: 'v1' })
    expect(planUpstream(version, 'v1', { instances: [{ tempo: 120 }] })).toEqual({ path: '/p/v2/models/m/infer', kind: 'v2', instances: [{ tempo: 120 }] })
  })

  it('refuses a body that is not a request of its protocol with a 400 naming the place', () => {
    expect(() => planUpstream(version, 'v2', { inputs: 'x' })).toThrow(expect.objectContaining({ code: 'HEADLINER_ERR_BAD_REQUEST', statusCode: 400 }))
    expect(() => planUpstream(version, 'v1', { nope: 1 })).toThrow(expect.objectContaining({ code: 'HEADLINER_ERR_BAD_REQUEST' }))
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
