import { beforeAll, describe, expect, it } from 'vitest'
import { ConfigSchema } from '../../src/config/schema.js'
import { FEATURES, V3_FEATURE_ORDER } from '../../src/demo/features.js'
import { compileSnapshot, EMPTY_LAYERS, type ModelRuntime } from '../../src/runtime/snapshot.js'
import { AS_SENT, permuteRows, relativeOrder, tensorOrder, type TensorOrder } from '../../src/transform/order.js'
import { reorderInstances, reorderOipRequest } from '../../src/transform/raw-tensor.js'
import { loadTransform } from '../../src/transform/load.js'
import type { Transform } from '../../src/transform/types.js'

const order = (features: string[], from = 'config') => ({ features, from })
/** The columns of a re-ordering (fails the test for any other order). */
function columnsOf (o: TensorOrder): readonly number[] {
  if (o.kind !== 'reorder') throw new Error(`expected a re-ordering, got ${o.kind}`)
  return o.columns
}
const spec = (features: string[]) => ({ features })

describe('tensorOrder', () => {
  it('is "as sent" for a version without a transform, or one in the model\'s own order', () => {
    expect(tensorOrder(order(['a', 'b']), undefined, 'v1')).toBe(AS_SENT)
    expect(tensorOrder(undefined, undefined, 'v1')).toBe(AS_SENT)
    expect(tensorOrder(order(['a', 'b']), spec(['a', 'b']), 'v1')).toBe(AS_SENT)
  })

  it('maps each of the version\'s columns to the model\'s column of the same name', () => {
    expect(tensorOrder(order(['a', 'b', 'c']), spec(['c', 'a', 'b']), 'v3', 'in3')).toEqual({ kind: 'reorder', columns: [2, 0, 1], input: 'in3' })
  })

  it('is unknown, with the reason, without a model order or for another set of names or width', () => {
    expect(tensorOrder(undefined, spec(['a']), 'v3')).toMatchObject({ kind: 'unknown', reason: expect.stringMatching(/declares no feature order/) })
    expect(tensorOrder(order(['a', 'b'], 'v1'), spec(['a', 'x']), 'v3')).toEqual({ kind: 'unknown', reason: 'version "v3"\'s transform has feature "x", which the model\'s order (from version "v1"\'s transform) does not name' })
    expect(tensorOrder(order(['a', 'b']), spec(['a', 'b', 'c']), 'v3')).toEqual({ kind: 'unknown', reason: 'version "v3"\'s transform has 3 features, the model\'s order (from the model\'s "features") has 2' })
  })
})

describe('relativeOrder: the shadow\'s columns from the primary\'s', () => {
  const model = order(['a', 'b', 'c'])
  const v3 = tensorOrder(model, spec(['c', 'a', 'b']), 'v3', 'in3')
  const v4 = tensorOrder(model, spec(['b', 'c', 'a']), 'v4', 'in4')

  it('is as sent when both read the model\'s order alike', () => {
    expect(relativeOrder(AS_SENT, AS_SENT)).toBe(AS_SENT)
    expect(relativeOrder(v3, v3)).toBe(AS_SENT)
  })

  it('composes through the model\'s order', () => {
    const row = ['a', 'b', 'c']
    const asV3 = permuteRows(row, columnsOf(v3))
    expect(asV3).toEqual(['c', 'a', 'b'])
    // primary v3 got [c, a, b]; the shadow v4 must read [b, c, a], a spec-less shadow [a, b, c]
    expect(permuteRows(asV3, columnsOf(relativeOrder(v3, v4)))).toEqual(['b', 'c', 'a'])
    expect(relativeOrder(v3, v4)).toMatchObject({ input: 'in4' })
    expect(permuteRows(asV3, columnsOf(relativeOrder(v3, AS_SENT, 'in')))).toEqual(row)
  })

  it('is unknown when either side is', () => {
    const unknown: TensorOrder = { kind: 'unknown', reason: 'r' }
    expect(relativeOrder(unknown, AS_SENT)).toBe(unknown)
    expect(relativeOrder(v3, unknown)).toBe(unknown)
  })
})

describe('re-ordering a raw tensor', () => {
  const reorder = { kind: 'reorder' as const, columns: [1, 0], input: 'y' }

  it('permutes every row of an OIP input, flat or nested, keeps the rest of the request, and names the input as the version expects', () => {
    const request = { id: 'r1', parameters: { p: 1 }, inputs: [{ name: 'x', shape: [2, 2], datatype: 'FP32', data: [1, 2, 3, 4] }] }
    const flat = reorderOipRequest(request, reorder, 'v3')
    expect(flat.ok && JSON.parse(flat.value.toString())).toEqual({ id: 'r1', parameters: { p: 1 }, inputs: [{ name: 'y', shape: [2, 2], datatype: 'FP32', data: [2, 1, 4, 3] }] })
    const nested = reorderOipRequest({ inputs: [{ name: 'x', shape: [2, 2], data: [[1, 2], [3, 4]] }] }, { ...reorder, input: undefined }, 'v3')
    expect(nested.ok && JSON.parse(nested.value.toString())).toEqual({ inputs: [{ name: 'x', shape: [2, 2], data: [2, 1, 4, 3] }] })
  })

  it('refuses a tensor of another width or rank, or several inputs, naming the place', () => {
    expect(reorderOipRequest({ inputs: [{ name: 'x', shape: [1, 3], data: [1, 2, 3] }] }, reorder, 'v3')).toEqual({ ok: false, where: 'inputs[0].shape', reason: 'is [1, 3]; version "v3" reads [rows, 2] (the model\'s 2 features, re-ordered by name)' })
    expect(reorderOipRequest({ inputs: [{ name: 'x', shape: [2], data: [1, 2] }] }, reorder, 'v3')).toMatchObject({ ok: false, where: 'inputs[0].shape' })
    const two = { name: 'x', shape: [1, 2], data: [1, 2] }
    expect(reorderOipRequest({ inputs: [two, two] }, reorder, 'v3')).toMatchObject({ ok: false, where: 'inputs', reason: expect.stringMatching(/has 2 tensors/) })
  })

  it('permutes KServe v1 number-array instances row by row', () => {
    expect(reorderInstances([[1, 2], [3, 4]], reorder, 'v3')).toEqual({ ok: true, value: [[2, 1], [4, 3]] })
    expect(reorderInstances([[1, 2, 3]], reorder, 'v3')).toMatchObject({ ok: false, where: 'instances[0]' })
  })
})

describe('compileSnapshot: the model\'s feature order and each version\'s permutation', () => {
  const dir = new URL('../../models/hit-predictor/', import.meta.url).pathname
  const transforms = new Map<string, Transform>()
  beforeAll(async () => {
    for (const v of ['v1', 'v3']) transforms.set(`${dir}${v}/transform.yaml`, await loadTransform(`${dir}${v}/transform.yaml`))
  })
  const model = (m: Record<string, unknown>, versions: Record<string, Record<string, unknown>>): ModelRuntime => {
    const config = ConfigSchema.parse({ schemaVersion: 1, models: { m: { ...m, versions: Object.fromEntries(Object.entries(versions).map(([n, v]) => [n, { url: 'http://a:1', ...v }])) } } })
    return compileSnapshot(config, { ...EMPTY_LAYERS, transforms }, 0).models.get('m')!
  }
  const t = (v: string) => `${dir}${v}/transform.yaml`

  it('takes the first serving version\'s spec by default, and re-orders a shadow declaring another order', () => {
    const m = model({}, { v3s: { mirror: 100, transform: t('v3') }, v1: { weight: 100, transform: t('v1') }, plain: { mirror: 100 } })
    expect(m.featureOrder).toEqual({ features: FEATURES, from: 'v1' })
    expect(m.versions.get('v1')!.tensorOrder).toBe(AS_SENT)
    expect(m.versions.get('plain')!.tensorOrder).toBe(AS_SENT)
    const v3 = m.versions.get('v3s')!.tensorOrder
    expect(permuteRows(FEATURES, columnsOf(v3))).toEqual(V3_FEATURE_ORDER)
    expect(v3).toMatchObject({ input: 'song_features_v3' })
  })

  it('follows `features` and `featuresFrom` when the config sets them', () => {
    expect(model({ featuresFrom: 'v3' }, { v1: { weight: 100, transform: t('v1') }, v3: { mirror: 100, transform: t('v3') } }).versions.get('v3')!.tensorOrder).toBe(AS_SENT)
    const declared = model({ features: [...V3_FEATURE_ORDER] }, { v1: { weight: 100, transform: t('v1') } })
    expect(declared.featureOrder).toEqual({ features: V3_FEATURE_ORDER, from: 'config' })
    expect(declared.versions.get('v1')!.tensorOrder.kind).toBe('reorder')
  })

  it('knows no order when no serving version has a spec: a shadow with one is unknown', () => {
    const m = model({}, { v1: { weight: 100 }, v3: { mirror: 100, transform: t('v3') } })
    expect(m.featureOrder).toBeUndefined()
    expect(m.versions.get('v3')!.tensorOrder.kind).toBe('unknown')
  })
})
