import { describe, it, expect } from 'vitest'
import { checkContract } from '../../src/transform/contract.js'
import { loadTransform } from '../../src/transform/load.js'

// GET /v2/models/hit-predictor of the demo's three versions.
const metadata = (version: string, input = 'song_features', inputShape = [-1, 12], outputShape = [-1, 72]) => ({
  name: 'hit-predictor',
  versions: [version],
  platform: 'headliner-demo',
  inputs: [{ name: input, datatype: 'FP32', shape: inputShape }],
  outputs: [{ name: 'country_probabilities', datatype: 'FP32', shape: outputShape }]
})
const V1 = metadata('1')
const V2 = metadata('2')
const V3 = metadata('3', 'song_features_v3')

const v1 = await loadTransform('models/hit-predictor/v1/transform.yaml')
const v2 = await loadTransform('models/hit-predictor/v2/transform.yaml')
const v3 = await loadTransform('models/hit-predictor/v3/transform.yaml')

describe('checkContract: the demo', () => {
  it('passes each spec against its own version and names the tensors', () => {
    expect(checkContract(v1, V1)).toEqual({ ok: true, input: 'song_features', output: 'country_probabilities' })
    expect(checkContract(v2, V2)).toEqual({ ok: true, input: 'song_features', output: 'country_probabilities' })
    expect(checkContract(v3, V3)).toEqual({ ok: true, input: 'song_features_v3', output: 'country_probabilities' })
  })

  it('fails v2\'s spec against v1 only on the version', () => {
    expect(checkContract(v2, V1)).toEqual({ ok: false, reason: 'version: transform expects model version "2", upstream lists "1"', reasons: ['version: transform expects model version "2", upstream lists "1"'] })
  })

  it('fails v2\'s spec against v3: the processing drifted from the model', () => {
    const r = checkContract(v2, V3)
    expect(r.ok ? [] : r.reasons).toEqual([
      'input "song_features": upstream expects name "song_features_v3"',
      'version: transform expects model version "2", upstream lists "3"'
    ])
    expect(r.ok ? '' : r.reason).toBe('input "song_features": upstream expects name "song_features_v3"; version: transform expects model version "2", upstream lists "3"')
  })

  it('fails v3\'s spec against v2 (the rollback case) on the input name', () => {
    const r = checkContract(v3, V2)
    expect(r.ok ? [] : r.reasons[0]).toBe('input "song_features_v3": upstream expects name "song_features"')
  })
})

describe('checkContract: widths, datatypes, shapes', () => {
  it.each([
    ['a wider input', metadata('2', 'song_features', [-1, 13]), 'input width: transform has 12 features, upstream expects 13'],
    ['a narrower output', metadata('2', 'song_features', [-1, 12], [-1, 70]), 'output width: transform has 72 labels, upstream expects 70'],
    ['a 1-D input', metadata('2', 'song_features', [12]), 'input "song_features": upstream shape is [12], the transform needs [batch, 12]'],
    ['a fixed batch of 8', metadata('2', 'song_features', [8, 12]), 'input "song_features": upstream takes a fixed batch of 8, the transform sends 1 to 1024 instances'],
    ['a fixed batch of 1', metadata('2', 'song_features', [1, 12]), 'input "song_features": upstream takes a fixed batch of 1, the transform sends 1 to 1024 instances (set limits.maxInstances: 1)']
  ])('names %s', (_, meta, reason) => {
    expect(checkContract(v2, meta)).toEqual({ ok: false, reason, reasons: [reason] })
  })

  it('accepts a variable width (-1), which it cannot check', () => {
    expect(checkContract(v2, metadata('2', 'song_features', [-1, -1], [-1, -1])).ok).toBe(true)
  })

  it('names datatype mismatches on both tensors', () => {
    const meta = { ...V2, inputs: [{ name: 'song_features', datatype: 'FP64', shape: [-1, 12] }], outputs: [{ name: 'country_probabilities', datatype: 'FP16', shape: [-1, 72] }] }
    expect(checkContract(v2, meta)).toMatchObject({ reasons: ['input "song_features": transform uses datatype FP32, upstream expects FP64', 'output "country_probabilities": transform uses datatype FP32, upstream expects FP16'] })
  })

  it('lists the inputs when the named one is missing among several, and says only one is sent', () => {
    const meta = { ...V2, inputs: [{ name: 'a', datatype: 'FP32', shape: [-1, 12] }, { name: 'b', datatype: 'FP32', shape: [-1, 1] }] }
    expect(checkContract(v2, meta)).toMatchObject({ reasons: ['input "song_features": upstream has no such input (it has "a", "b")', 'inputs: upstream expects 2 inputs ("a", "b"), the transform sends one'] })
  })

  it('takes the first tensor when the spec names none', () => {
    const anonymous = { ...v2, input: { ...v2.input, name: undefined }, output: { ...v2.output, name: undefined }, version: undefined }
    expect(checkContract(anonymous, V3)).toEqual({ ok: true, input: 'song_features_v3', output: 'country_probabilities' })
  })
})

describe('checkContract: malformed metadata', () => {
  it.each([
    ['not an object', 'nope', ['upstream metadata is not a JSON object']],
    ['no inputs or outputs', { name: 'm', versions: ['2'] }, ['upstream metadata has no inputs', 'upstream metadata has no outputs']],
    ['a tensor without a shape', { ...V2, inputs: [{ name: 'song_features', datatype: 'FP32' }] }, ['upstream metadata inputs[0] is not a tensor { name, datatype, shape }']],
    ['no versions', { ...V2, versions: undefined }, ['version: transform expects model version "2", upstream lists no versions']]
  ])('%s', (_, meta, reasons) => {
    expect(checkContract(v2, meta)).toMatchObject({ ok: false, reasons })
  })
})
