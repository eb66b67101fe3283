/** The pure weight rule that the config file, admin writes and rollout steps share. */
import { describe, expect, it } from 'vitest'
import { mirrorProblems, weightProblems, weightWriteProblems, type VersionWeight } from '../../src/config/weights.js'

const MODEL: Record<string, VersionWeight> = { v1: { weight: 90 }, v2: { weight: 10 }, v3: { weight: 0, mirror: 100 } }

describe('weightProblems', () => {
  it.each<[string, Record<string, VersionWeight>, string[]]>([
    ['a valid split with a shadow', MODEL, []],
    ['one version at 100', { v1: { weight: 100 } }, []],
    ['a sum above 100', { v1: { weight: 90 }, v2: { weight: 20 } }, [': weights of serving versions must sum to 100, got 110']],
    ['a sum below 100', { v1: { weight: 50 } }, [': weights of serving versions must sum to 100, got 50']],
    ['a shadow with weight', { v1: { weight: 100 }, v3: { weight: 5, mirror: 10 } }, ['v3.weight: a shadow (mirror set) must have weight 0, got 5']],
    ['only shadows', { v3: { weight: 0, mirror: 100 } }, [': at least one serving version (without mirror) is required']],
    ['a fraction, without a sum that repeats it', { v1: { weight: 99.5 }, v2: { weight: 0.5 } }, ['v1.weight: must be an integer from 0 to 100, got 99.5', 'v2.weight: must be an integer from 0 to 100, got 0.5']],
    ['a negative weight', { v1: { weight: -10 }, v2: { weight: 110 } }, ['v1.weight: must be an integer from 0 to 100, got -10', 'v2.weight: must be an integer from 0 to 100, got 110']]
  ])('%s', (_name, versions, expected) => {
    expect(weightProblems(versions).map((p) => `${p.path.join('.')}: ${p.message}`)).toEqual(expected)
  })
})

describe('weightWriteProblems (PUT .../weights)', () => {
  const problems = (weights: Record<string, unknown>) => weightWriteProblems(MODEL, weights).map((p) => `${p.path.join('.')}: ${p.message}`)

  it.each<[string, Record<string, unknown>, string[]]>([
    ['a new split', { v1: 80, v2: 20 }, []],
    ['one version named, the others keep their weight', { v1: 90 }, []],
    ['an unknown version', { v9: 100 }, ['v9: unknown version; the model has v1, v2, v3']],
    ['a string', { v1: '80', v2: 20 }, ['v1: must be an integer from 0 to 100, got "80"']],
    ['a weight on a shadow', { v3: 10, v1: 80 }, ['v3: is a shadow (mirror 100%): a shadow has weight 0']],
    ['a sum off 100, with the rest kept', { v1: 80 }, [': weights of serving versions must sum to 100, got 90']],
    ['every problem of the write at once', { v1: 1.5, v9: 1 }, ['v1: must be an integer from 0 to 100, got 1.5', 'v9: unknown version; the model has v1, v2, v3']]
  ])('%s', (_name, weights, expected) => {
    expect(problems(weights)).toEqual(expected)
  })
})

describe('mirrorProblems (PUT .../mirrors)', () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ['a shadow\'s percentage', { v3: 25 }, []],
    ['0 stops the copies', { v3: 0 }, []],
    ['a fraction of a percent', { v3: 12.5 }, []],
    ['an unknown version', { v4: 10 }, ['v4: unknown version; the model has v1, v2, v3']],
    ['above 100', { v3: 101 }, ['v3: must be a number from 0 to 100, got 101']],
    ['a serving version', { v1: 10 }, ['v1: serves 90% of the traffic: only a version with weight 0 can be a shadow']]
  ])('%s', (_name, mirrors, expected) => {
    expect(mirrorProblems(MODEL, mirrors).map((p) => `${p.path.join('.')}: ${p.message}`)).toEqual(expected)
  })
})
