import { describe, it, expect } from 'vitest'
import { compileTransform, probabilityMapFactory } from '../../src/transform/compile.js'
import { loadTransform } from '../../src/transform/load.js'
import { post, specPost } from '../../src/transform/post.js'
import { topIndices } from '../../src/vector.js'
import { parseTransformSpec } from '../../src/transform/spec.js'
import type { Transform } from '../../src/transform/types.js'

function make (output: Record<string, unknown>, codes = ['A', 'B', 'C', 'D'], names = ['Alpha', 'Bravo', 'Charlie', 'Delta']): Transform {
  const parsed = parseTransformSpec({ schemaVersion: 1, model: { input: { datatype: 'FP32' }, output: { datatype: 'FP32' } }, features: [{ name: 'a' }], output: { labels: 'x.json', ...output } })
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'))
  const compiled = compileTransform('inline.yaml', parsed.spec, { codes, names })
  if (!compiled.ok) throw new Error(compiled.problems.join('\n'))
  return compiled.transform
}

describe('topIndices', () => {
  it.each([
    [[0.1, 0.4, 0.2, 0.3], 2, [1, 3]],
    [[0.1, 0.4, 0.2, 0.3], 4, [1, 3, 2, 0]],
    // ties: the lower index first, whatever the position of the tie in the row
    [[0.3, 0.1, 0.3, 0.3], 2, [0, 2]],
    [[0.1, 0.3, 0.3, 0.3], 3, [1, 2, 3]],
    [[0.25, 0.25, 0.25, 0.25], 2, [0, 1]],
    [[0.5, 0.2, 0.2, 0.1], 2, [0, 1]],
    [[0.1, 0.2, 0.3, 0.4], 1, [3]]
  ])('%j, k=%i -> %j', (row, k, expected) => {
    expect(topIndices(row, 0, row.length, k)).toEqual(expected)
  })

  it('reads the row at its offset', () => {
    expect(topIndices([9, 9, 0.1, 0.7, 0.2], 2, 3, 2)).toEqual([1, 2])
  })
})

describe('specPost', () => {
  it('labels the top k with the label key, names and probabilities, plus the full map', () => {
    const t = make({ top: 2, labelKey: 'country' })
    expect(specPost(t, { rows: 1, width: 4, data: [0.1, 0.2, 0.6, 0.1] })).toEqual({
      ok: true,
      predictions: [{
        top: [{ country: 'C', name: 'Charlie', probability: 0.6 }, { country: 'B', name: 'Bravo', probability: 0.2 }],
        probabilities: { A: 0.1, B: 0.2, C: 0.6, D: 0.1 }
      }]
    })
  })

  it('uses "label" as the default key and breaks ties by label order', () => {
    const t = make({ top: 3 })
    const r = specPost(t, { rows: 1, width: 4, data: [0.2, 0.4, 0.2, 0.2] })
    expect(r.ok && r.predictions[0]!.top.map((e) => e.label)).toEqual(['B', 'A', 'C'])
  })

  it('returns one prediction per row of a batch', () => {
    const t = make({ top: 1, probabilities: false })
    expect(specPost(t, { rows: 2, width: 4, data: [0.7, 0.1, 0.1, 0.1, 0, 0, 0.1, 0.9] })).toEqual({
      ok: true,
      predictions: [{ top: [{ label: 'A', name: 'Alpha', probability: 0.7 }] }, { top: [{ label: 'D', name: 'Delta', probability: 0.9 }] }]
    })
  })

  it('refuses an output whose width is not the label count', () => {
    const t = make({ top: 1 })
    expect(specPost(t, { rows: 1, width: 3, data: [0.2, 0.3, 0.5] })).toEqual({ ok: false, fault: 'upstream', error: 'output has 3 values per instance but the transform has 4 labels' })
  })

  it('refuses NaN and Infinity in the output', () => {
    const t = make({ top: 1 })
    expect(specPost(t, { rows: 2, width: 4, data: [0.25, 0.25, 0.25, 0.25, 0.5, NaN, 0.5, 0] })).toEqual({ ok: false, fault: 'upstream', error: 'output[1][1] is NaN, not a finite number' })
    expect(specPost(t, { rows: 1, width: 4, data: [Infinity, 0, 0, 0] }).ok).toBe(false)
  })

  it('labels the hit predictor\'s 72 outputs with country codes and names', async () => {
    const t = await loadTransform('models/hit-predictor/v2/transform.yaml')
    const data = new Array<number>(72).fill(0.01)
    // 70 x 0.01 + 0.28 + 0.02: a distribution (sums to 1), as the invalid-prediction check requires
    data[t.labels.indexOf('SE')] = 0.28
    data[t.labels.indexOf('BR')] = 0.02
    const r = specPost(t, { rows: 1, width: 72, data })
    expect(r.ok && r.predictions[0]!.top.slice(0, 3)).toEqual([
      { country: 'SE', name: 'Sweden', probability: 0.28 },
      { country: 'BR', name: 'Brazil', probability: 0.02 },
      { country: 'AE', name: 'United Arab Emirates', probability: 0.01 }
    ])
    expect(r.ok && r.predictions[0]!.top).toHaveLength(5)
    expect(r.ok && Object.keys(r.predictions[0]!.probabilities!)).toHaveLength(72)
    expect(r.ok && r.predictions[0]!.probabilities!.SE).toBe(0.28)
  })

  it('is what post does without a custom module', () => {
    const t = make({ top: 2 })
    const batch = { rows: 1, width: 4, data: [0.1, 0.2, 0.3, 0.4] }
    expect(post(t, batch)).toEqual(specPost(t, batch))
  })
})

describe('probabilityMapFactory', () => {
  it('maps each code to its column at the row offset', () => {
    expect(probabilityMapFactory(['A', 'B'])([9, 9, 0.25, 0.75], 2)).toEqual({ A: 0.25, B: 0.75 })
  })

  it('keeps codes that are awkward in JavaScript as plain own keys', () => {
    const map = probabilityMapFactory(['__proto__', 'a"b\\', '${x}', '7'])([0.1, 0.2, 0.3, 0.4], 0)
    expect(Object.getPrototypeOf(map)).toBe(Object.prototype)
    expect(Object.entries(map)).toEqual([['7', 0.4], ['__proto__', 0.1], ['a"b\\', 0.2], ['${x}', 0.3]])
  })
})
