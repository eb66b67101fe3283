import { describe, it, expect } from 'vitest'
import { compileTransform } from '../../src/transform/compile.js'
import { loadTransform } from '../../src/transform/load.js'
import { post, specPost } from '../../src/transform/post.js'
import { pre } from '../../src/transform/pre.js'
import { parseTransformSpec } from '../../src/transform/spec.js'
import type { CustomModule, Transform } from '../../src/transform/types.js'

/** Two features a, b; labels A, B; the given module as custom.mjs. */
function withModule (module: CustomModule): Transform {
  const parsed = parseTransformSpec({ schemaVersion: 1, model: { input: { datatype: 'FP32' }, output: { datatype: 'FP32' } }, features: [{ name: 'a' }, { name: 'b' }], output: { labels: 'x.json', top: 1 }, limits: { maxInstances: 2 } })
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'))
  const compiled = compileTransform('inline.yaml', parsed.spec, { codes: ['A', 'B'], names: ['Alpha', 'Bravo'] }, { file: 'custom.mjs', module })
  if (!compiled.ok) throw new Error(compiled.problems.join('\n'))
  return compiled.transform
}

describe('a custom module from a file, in addition to the spec', () => {
  const loaded = loadTransform('test/fixtures/transforms/valid-custom.yaml')

  it('pre derives a feature, then the spec validates and scales it', async () => {
    const t = await loaded
    // 124.27424 mph * 1.609344 = 200.0000 km/h -> (200 - 100) / 50 = 2 (to 1e-9)
    const r = pre(t, [{ mph: 124.27423844746679, gear: 3 }])
    expect(r.ok && r.batch.data.length).toBe(3)
    expect(r.ok && r.batch.data[0]).toBeCloseTo(2, 9)
    expect(r.ok && r.batch.data.slice(1)).toEqual([3, 1])
  })

  it('pre keeps the spec\'s errors', async () => {
    expect(pre(await loaded, [{ mph: 500, gear: 3 }])).toEqual({ ok: false, fault: 'caller', error: 'instances[0].speed: must be <= 300, got 804.672' })
  })

  it('post decorates the spec\'s predictions', async () => {
    const t = await loaded
    expect(post(t, { rows: 1, width: 3, data: [0.2, 0.5, 0.3] })).toEqual({
      ok: true,
      predictions: [{ best: 'B', top: [{ label: 'B', name: 'Bravo', probability: 0.5 }, { label: 'C', name: 'Charlie', probability: 0.3 }], probabilities: { A: 0.2, B: 0.5, C: 0.3 } }]
    })
  })
})

describe('custom pre: whatever it returns, the model gets a well-formed tensor or nothing', () => {
  it('accepts rows, one per instance, and still enforces the instance limits first', () => {
    const t = withModule({ pre: (instances) => instances.map(() => [1, 2]) })
    expect(pre(t, ['anything'])).toEqual({ ok: true, batch: { rows: 1, width: 2, data: [1, 2] } })
    expect(pre(t, [])).toEqual({ ok: false, fault: 'caller', error: 'instances: must hold at least one instance' })
    expect(pre(t, [1, 2, 3])).toMatchObject({ ok: false, fault: 'caller' })
  })

  it('passes a caller error through as a 400', () => {
    const t = withModule({ pre: () => ({ ok: false, error: 'instances[0].song: unknown song id' }) })
    expect(pre(t, [{}])).toEqual({ ok: false, fault: 'caller', error: 'instances[0].song: unknown song id' })
  })

  it.each([
    ['throws', () => { throw new Error('boom') }, 'custom pre (custom.mjs) threw: boom'],
    ['returns too few rows', () => [], 'custom pre (custom.mjs) returned 0 rows for 1 instances'],
    ['returns a short row', () => [[1]], 'custom pre (custom.mjs) returned rows[0] with 1 values; the model input has 2'],
    ['returns NaN', () => [[1, NaN]], 'custom pre (custom.mjs) returned rows[0][1] = NaN; values must be finite numbers'],
    ['returns a string value', () => [[1, '2']], 'custom pre (custom.mjs) returned rows[0][1] = string "2"; values must be finite numbers'],
    ['returns nothing', () => undefined, 'custom pre (custom.mjs) must return rows (number[][]) or a result object, got undefined'],
    ['returns a wrong batch', () => ({ ok: true, batch: { rows: 1, width: 3, data: [1, 2, 3] } }), 'custom pre (custom.mjs) returned a batch of 1x3; expected 1x2']
  ])('is a transform fault when it %s', (_, fn, error) => {
    expect(pre(withModule({ pre: fn }), [{}])).toEqual({ ok: false, fault: 'transform', error })
  })
})

describe('custom post', () => {
  it('gets one array per row and may return any JSON per row', () => {
    const t = withModule({ post: (rows) => rows.map((r) => ({ hit: r[1]! > 0.5 })) })
    expect(post(t, { rows: 2, width: 2, data: [0.3, 0.7, 0.9, 0.1] })).toEqual({ ok: true, predictions: [{ hit: true }, { hit: false }] })
  })

  it('may delegate to the spec through ctx.specPost', () => {
    const t = withModule({ post: (rows, ctx) => ctx.specPost({ rows: rows.length, width: 2, data: rows.flat() }) })
    const batch = { rows: 1, width: 2, data: [0.3, 0.7] }
    expect(post(t, batch)).toEqual(specPost(t, batch))
  })

  it('never sees an output whose width is not the label count', () => {
    let called = false
    const t = withModule({ post: (rows) => { called = true; return rows } })
    expect(post(t, { rows: 1, width: 3, data: [0.1, 0.2, 0.7] })).toEqual({ ok: false, fault: 'upstream', error: 'output has 3 values per instance but the transform has 2 labels' })
    expect(called).toBe(false)
  })

  it.each([
    ['throws', () => { throw new TypeError('x is undefined') }, 'custom post (custom.mjs) threw: x is undefined'],
    ['returns too few predictions', () => [], 'custom post (custom.mjs) returned 0 predictions for 1 rows'],
    ['returns a non-array', () => 'done', 'custom post (custom.mjs) must return one prediction per row (an array of 1), got string "done"']
  ])('is a transform fault when it %s', (_, fn, error) => {
    expect(post(withModule({ post: fn }), { rows: 1, width: 2, data: [0.5, 0.5] })).toEqual({ ok: false, fault: 'transform', error })
  })
})
