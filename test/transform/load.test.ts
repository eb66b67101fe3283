import { describe, it, expect } from 'vitest'
import { loadTransform, TransformLoadError } from '../../src/transform/load.js'
import { parseTransformSpec } from '../../src/transform/spec.js'

const DIR = 'test/fixtures/transforms'
const CANONICAL = ['danceability', 'energy', 'key', 'loudness', 'mode', 'speechiness', 'acousticness', 'instrumentalness', 'liveness', 'valence', 'tempo', 'duration_ms']
const V3_ORDER = ['tempo', 'duration_ms', 'danceability', 'energy', 'valence', 'loudness', 'key', 'mode', 'speechiness', 'acousticness', 'instrumentalness', 'liveness']

/** The problems a fixture is rejected with (fails the test if it loads). */
async function problemsOf (file: string): Promise<readonly string[]> {
  const err = await loadTransform(`${DIR}/${file}`).then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(TransformLoadError)
  return (err as TransformLoadError).problems
}

describe('loadTransform: the demo specs', () => {
  it.each([
    ['v1', CANONICAL, 'song_features', '1'],
    ['v2', CANONICAL, 'song_features', '2'],
    ['v3', V3_ORDER, 'song_features_v3', '3']
  ])('%s has its own feature order, input name and version', async (v, order, input, version) => {
    const t = await loadTransform(`models/hit-predictor/${v}/transform.yaml`)
    expect(t.features).toEqual(order)
    expect(t.featureIndex.get('tempo')).toBe(order.indexOf('tempo'))
    expect(t.input).toEqual({ name: input, datatype: 'FP32', width: 12 })
    expect(t.output).toEqual({ name: 'country_probabilities', datatype: 'FP32', width: 72 })
    expect(t.version).toBe(version)
    expect(t.labelKey).toBe('country')
    expect(t.top).toBe(5)
    expect(t.labels[0]).toBe('AE')
    expect(t.labelNames[t.labels.indexOf('SE')]).toBe('Sweden')
    // tempo is (0, 300]: exclusive at 0, inclusive at 300
    const j = t.featureIndex.get('tempo')!
    expect([t.min[j], t.minExclusive[j], t.max[j], t.maxExclusive[j]]).toEqual([0, 1, 300, 0])
    expect(t.enums[t.featureIndex.get('mode')!]).toEqual([0, 1])
    expect(Object.isFrozen(t)).toBe(true)
  })

  it('compiles scaling, defaults and integer flags into per-column arrays', async () => {
    const t = await loadTransform(`${DIR}/valid-scaled.yaml`)
    expect(Array.from(t.mean)).toEqual([100, 0, 0])
    expect(Array.from(t.std)).toEqual([50, 1, 1])
    expect(Array.from(t.hasDefault)).toEqual([0, 0, 1])
    expect(Array.from(t.defaults)).toEqual([0, 0, 1])
    expect(Array.from(t.integer)).toEqual([0, 1, 1])
    expect(t.labelKey).toBe('label')
    expect(t.maxInstances).toBe(4)
    expect(Object.isFrozen(t.spec.features[0])).toBe(true)
  })
})

describe('loadTransform: one defect per fixture, reported with file and path', () => {
  it.each([
    ['invalid-schema-version.yaml', 'schemaVersion: must be 1'],
    ['invalid-missing-labels.yaml', 'output.labels: required'],
    ['invalid-min-above-max.yaml', 'features[1].max: must be greater than min (11), got 0'],
    ['invalid-duplicate-feature.yaml', 'features[2].name: duplicate feature "speed" (also features[0])'],
    ['invalid-unknown-field.yaml', 'features[1].maxx: unknown field; did you mean "max"?'],
    ['invalid-datatype.yaml', 'model.input.datatype: must be one of FP16, FP32, FP64, INT8, INT16, INT32, INT64, UINT8, UINT16, UINT32, UINT64, got "FLOAT32"'],
    ['invalid-version-number.yaml', 'model.version: must be a string (quote it: "7")'],
    ['invalid-default-not-in-enum.yaml', 'features[2].default: must be one of 0, 1, got 2'],
    ['invalid-enum-not-integer.yaml', 'features[2].enum[1]: must be an integer (type is integer), got 0.5'],
    ['invalid-exclusive-without-min.yaml', 'features[1].exclusiveMin: needs a min'],
    ['invalid-scale-std-zero.yaml', 'features[0].scale.std: must be > 0'],
    ['invalid-label-key-reserved.yaml', 'output.labelKey: must not be "name": top entries already have name and probability'],
    ['invalid-integer-datatype-scaled.yaml', 'features[0].scale: is not allowed: model.input.datatype is INT32'],
    ['invalid-max-instances-zero.yaml', 'limits.maxInstances: must be at least 1'],
    ['invalid-top-above-labels.yaml', 'output.top: must be at most the number of labels (3), got 4'],
    ['invalid-labels-file-missing.yaml', 'output.labels: cannot read ./labels-nowhere.json: file not found'],
    ['invalid-custom-missing.yaml', `custom: cannot read ${DIR}/custom-nowhere.mjs: file not found`],
    ['invalid-custom-no-exports.yaml', `custom: ${DIR}/custom-no-exports.mjs: must export a function "pre" and/or "post"`]
  ])('%s', async (file, problem) => {
    expect(await problemsOf(file)).toEqual([`${DIR}/${file}: ${problem}`])
  })

  it('names the labels file itself for a problem inside it', async () => {
    expect(await problemsOf('invalid-labels-duplicate-code.yaml')).toEqual([`${DIR}/labels-duplicate-code.json: [2].code: duplicate "A" (also [0])`])
  })

  it('reports YAML syntax errors with their line', async () => {
    const problems = await problemsOf('invalid-yaml-syntax.yaml')
    expect(problems[0]).toMatch(new RegExp(`^${DIR}/invalid-yaml-syntax.yaml: YAML: .* at line 9, column 3$`))
  })

  it('reports every problem at once', async () => {
    expect(await problemsOf('invalid-three-defects.yaml')).toEqual([
      `${DIR}/invalid-three-defects.yaml: schemaVersion: must be 1`,
      `${DIR}/invalid-three-defects.yaml: features[0].max: must be greater than min (10), got 1`,
      `${DIR}/invalid-three-defects.yaml: output.top: must be at least 1`
    ])
  })

  it('puts the problems in the error message and carries a stable code', async () => {
    const err = await loadTransform(`${DIR}/invalid-schema-version.yaml`).then(() => undefined, (e: unknown) => e as TransformLoadError)
    expect(err?.code).toBe('HEADLINER_ERR_TRANSFORM_SPEC')
    expect(err?.message).toBe(`invalid transform spec ${DIR}/invalid-schema-version.yaml:\n  ${DIR}/invalid-schema-version.yaml: schemaVersion: must be 1`)
  })

  it('reports an unreadable spec file', async () => {
    expect(await problemsOf('nowhere.yaml')).toEqual([`${DIR}/nowhere.yaml: cannot read: file not found`])
  })
})

describe('parseTransformSpec', () => {
  const minimal = { schemaVersion: 1, model: { input: { datatype: 'FP32' }, output: { datatype: 'FP32' } }, features: [{ name: 'a' }], output: { labels: 'l.json' } }

  it('fills defaults', () => {
    const r = parseTransformSpec(minimal)
    expect(r.ok && r.spec.features[0]).toEqual({ name: 'a', type: 'number', exclusiveMin: false, exclusiveMax: false })
    expect(r.ok && [r.spec.output.labelKey, r.spec.output.top, r.spec.output.probabilities, r.spec.limits.maxInstances]).toEqual(['label', 5, true, 1024])
  })

  it('says "required" for missing fields and suggests the top-level field for a typo', () => {
    const r = parseTransformSpec({ ...minimal, schemaVersion: undefined, featurs: [] })
    expect(r.ok ? [] : r.problems).toEqual(['schemaVersion: required', 'featurs: unknown field; did you mean "features"?'])
  })

  it('rejects a feature name that cannot be a plain JSON key and an empty feature list', () => {
    expect(parseTransformSpec({ ...minimal, features: [{ name: 'a b' }] })).toEqual({ ok: false, problems: ["features[0].name: a feature name must start with a letter or '_' and hold only letters, digits and '_'"] })
    expect(parseTransformSpec({ ...minimal, features: [] })).toEqual({ ok: false, problems: ['features: must list at least one feature'] })
  })
})
