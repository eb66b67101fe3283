import { readdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it, expect } from 'vitest'
import { loadConfigFile, parseConfig, type LoadResult } from '../../src/config/load.js'
import { formatPath } from '../../src/schema-path.js'
import type { Config } from '../../src/config/schema.js'

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/config')
const fixture = (name: string) => join(FIXTURES, name)

/** The problems without their ` (line L, column C)`: positions have their own tests (check.test.ts). */
function problemsOf (result: LoadResult): string[] {
  if (result.ok) throw new Error(`expected ${result.file} to be invalid, but it loaded`)
  return result.problems.map((p) => p.replace(/ \(line \d+, column \d+\)$/, ''))
}

function configOf (result: LoadResult): Config {
  if (!result.ok) throw new Error(`expected ${result.file} to load, got:\n${result.problems.join('\n')}`)
  return result.config
}

const NAME_RULE = "version names use letters, digits, '_', '.', '-' (at most 63, starting with a letter or digit)"

/** One defect per fixture (STYLE habit 9): the exact problems each must produce, path first. */
const INVALID: Record<string, string[]> = {
  'invalid-weights-sum.yaml': ['models.hit-predictor.versions: weights of serving versions must sum to 100, got 110'],
  'invalid-shadow-weight.yaml': ['models.hit-predictor.versions.v3.weight: a shadow (mirror set) must have weight 0, got 5'],
  'invalid-url-scheme.yaml': ['models.hit-predictor.versions.v2.url: must be http or https, got "ftp"'],
  'invalid-url-not-a-url.yaml': ['models.hit-predictor.versions.v2.url: not a URL: "model-server-v2"'],
  'invalid-missing-transform-file.yaml': [`models.hit-predictor.versions.v1.transform: file not found: ${fixture('files/no-such-transform.yaml')}`],
  'invalid-unknown-field.yaml': ['models.hit-predictor.versions.v2.wieght: unknown field; did you mean "weight"?'],
  'invalid-weight-type.yaml': ['models.hit-predictor.versions.v2.weight: expected number, received string'],
  'invalid-schema-version.yaml': ['schemaVersion: unsupported config format version 2: this Headliner reads schemaVersion 1'],
  // YAML errors have no field path yet; the line and column are the location (line 8 is end of file).
  'invalid-yaml-syntax.yaml': ['YAML: Flow map in block collection must be sufficiently indented and end with a } at line 8, column 1'],
  'invalid-no-serving-version.yaml': ['models.hit-predictor.versions: at least one serving version (without mirror) is required'],
  'invalid-duplicate-key.yaml': ['YAML: Map keys must be unique at line 8, column 7'],
  'invalid-sticky-header.yaml': ["models.hit-predictor.sticky.header: must be an HTTP header name (letters, digits and '-')"],
  'invalid-state-store.yaml': ['state.url: must be a redis:// or rediss:// URL'],
  'invalid-version-name.yaml': [`models.hit-predictor.versions.v2 (canary): ${NAME_RULE}`],
  'invalid-psi-thresholds.yaml': ['models.hit-predictor.drift.thresholds: psiWarn (0.3) must not exceed psiAlert (0.2)'],
  'invalid-features-from.yaml': ['models.hit-predictor.featuresFrom: version "v2" names no transform, so it declares no feature order'],
  'invalid-features-twice.yaml': ['models.hit-predictor.features[2]: "tempo" is named twice: a feature order names each feature once'],
  // Schema problems in a model no longer hide its semantic ones (issue 9.12).
  'invalid-many-in-one-model.yaml': [
    'models.hit-predictor.timeoutMs: expected number, received string',
    'models.hit-predictor.versions.v1.conections: unknown field; did you mean "connections"?',
    'models.hit-predictor.versions.v2.url: must be http or https, got "ftp"',
    `models.hit-predictor.versions.v3.transform: file not found: ${fixture('files/no-such-transform.yaml')}`
  ],
  'invalid-many.yaml': [
    'server.port: Too big: expected number to be <=65535',
    'models.hit-predictor.versions.v2.url: must be http or https, got "ftp"',
    'models.hit-predictor.versions: weights of serving versions must sum to 100, got 110'
  ]
}

describe('loadConfigFile: invalid fixtures', () => {
  it('has an expectation for every invalid-*.yaml fixture, and a fixture for every expectation', () => {
    const files = readdirSync(FIXTURES).filter((f) => f.startsWith('invalid-') && f.endsWith('.yaml')).sort()
    expect(files).toEqual(Object.keys(INVALID).sort())
  })

  it.each(Object.entries(INVALID))('%s gives exactly its problems', (name, expected) => {
    const result = loadConfigFile(fixture(name))
    expect(result.file).toBe(fixture(name))
    expect(problemsOf(result)).toEqual(expected)
  })

  it('reports all three defects of invalid-many.yaml in one run, schema and semantic together', () => {
    expect(problemsOf(loadConfigFile(fixture('invalid-many.yaml')))).toHaveLength(3)
  })

  it('reports a missing file as a problem instead of throwing', () => {
    const problems = problemsOf(loadConfigFile(fixture('no-such-config.yaml')))
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(/^cannot read config: ENOENT/)
  })
})

describe('loadConfigFile: valid fixtures', () => {
  it('applies every default to the minimal config', () => {
    const config = configOf(loadConfigFile(fixture('valid-minimal.yaml')))
    expect(config.server).toEqual({ host: '0.0.0.0', port: 8080, bodyLimitBytes: 1_048_576, shutdownGraceMs: 10_000, requestTimeoutMs: 60_000, headersTimeoutMs: 60_000, maxConnections: 10_000, drainDelayMs: 5000, exposeUpstreamErrors: false })
    expect(config.probe).toEqual({ intervalMs: 5000, timeoutMs: 1000, unhealthyThreshold: 3, healthyThreshold: 1 })
    expect(config.admin).toEqual({ host: '127.0.0.1', port: 9901, tokens: [] })
    expect(config.state).toEqual({ store: 'file', path: fixture('headliner-state.json') })
    const model = config.models['hit-predictor']
    expect(model).toEqual({
      timeoutMs: 2000,
      idempotent: false,
      outlier: { failures: 5, baseEjectionMs: 30_000, maxEjectionMs: 300_000 },
      versionHeader: 'x-headliner-version',
      headerRouting: 'serving',
      versions: { v1: { url: 'http://127.0.0.1:9001', weight: 100, connections: 64, maxInflight: 512, protocol: 'v1+v2' } },
      shadow: { timeoutMs: 5000, maxInflight: 256, agreement: { kind: 'top1' }, diffs: 100, breaker: { failures: 5, cooldownMs: 1000 } },
      status: { errorRatioDegraded: 0.01, errorRatioFailing: 0.05, p99SloMs: 500, agreementFloor: 0.9, minSamples: 50 }
    })
  })

  it('keeps every field of the full config and resolves paths against the config file directory', () => {
    const config = configOf(loadConfigFile(fixture('valid-full.yaml')))
    expect(config.server).toEqual({ host: '127.0.0.1', port: 18080, bodyLimitBytes: 2_097_152, shutdownGraceMs: 3000, requestTimeoutMs: 30_000, headersTimeoutMs: 20_000, maxConnections: 500, drainDelayMs: 5000, exposeUpstreamErrors: false })
    expect(config.admin).toEqual({ host: '0.0.0.0', port: 19901, tokens: [] })
    expect(config.probe).toEqual({ intervalMs: 2500, timeoutMs: 500, unhealthyThreshold: 3, healthyThreshold: 1 })
    expect(config.state).toEqual({ store: 'file', path: fixture('state/headliner-state.json') })
    const hit = config.models['hit-predictor']!
    expect(hit.timeoutMs).toBe(1500)
    // Header names are compared lower-case on the hot path, so the loader lower-cases them once.
    expect(hit.sticky).toEqual({ header: 'x-user-id' })
    expect(hit.versionHeader).toBe('x-pick-version')
    expect(hit.salt).toBe('hit-predictor-2024')
    expect(hit.versions.v1).toEqual({ url: 'http://127.0.0.1:9001', weight: 90, upstreamModel: 'hit-predictor-v1', transform: fixture('files/v1-transform.yaml'), connections: 32, maxInflight: 512, protocol: 'v1+v2' })
    expect(hit.versions.v2).toEqual({
      url: 'https://models.example.test:9443/kserve',
      weight: 10,
      transform: fixture('files/v2-transform.yaml'),
      connections: 8,
      maxInflight: 512,
      protocol: 'v1+v2',
      tls: { rejectUnauthorized: false, ca: fixture('files/upstream-ca.pem') }
    })
    expect(hit.versions.v3).toEqual({ url: 'http://127.0.0.1:9003', weight: 0, mirror: 100, transform: fixture('files/v3-transform.yaml'), connections: 64, maxInflight: 512, protocol: 'v1+v2' })
    expect(hit.shadow).toEqual({ timeoutMs: 4000, maxInflight: 64, agreement: { kind: 'topk', k: 5, minOverlap: 0.6 }, diffs: 50, breaker: { failures: 3, cooldownMs: 2000 } })
    expect(hit.drift).toEqual({
      reference: fixture('files/reference.json'),
      window: { kind: 'time', seconds: 300, buckets: 5 },
      minSamples: 100,
      thresholds: { psiWarn: 0.15, psiAlert: 0.3, js: 0.2 }
    })
    const tagger = config.models['genre-tagger']!
    expect(tagger.shadow.agreement).toEqual({ kind: 'js', max: 0.05 })
    expect(tagger.drift).toEqual({
      reference: fixture('files/reference.json'),
      window: { kind: 'count', size: 5000 },
      minSamples: 200,
      thresholds: { psiWarn: 0.1, psiAlert: 0.25, js: 0.1 }
    })
    expect(config.models['tempo-regressor']!.shadow.agreement).toEqual({ kind: 'maxAbs', max: 2.5 })
  })
})

describe('parseConfig', () => {
  const MINIMAL = 'schemaVersion: 1\nmodels:\n  m:\n    versions:\n      v1: { url: http://127.0.0.1:9001, weight: 100, transform: t.yaml }\n'

  it('resolves relative paths against baseDir and leaves absolute ones alone', () => {
    const text = MINIMAL.replace('t.yaml', '../t.yaml') + 'state: { store: file, path: /var/lib/headliner/state.json }\n'
    const result = parseConfig(text, '/srv/headliner/conf')
    // The transform does not exist there, which proves the check runs on the resolved path.
    expect(problemsOf(result)).toEqual(['models.m.versions.v1.transform: file not found: /srv/headliner/t.yaml'])
    const ok = configOf(parseConfig(text.replace('../t.yaml', fixture('files/v1-transform.yaml')), '/srv/headliner/conf'))
    expect(ok.state).toEqual({ store: 'file', path: '/var/lib/headliner/state.json' })
  })

  it('does not let one parse leak resolved defaults into the next (the default state path is per call)', () => {
    const text = MINIMAL.replace(', transform: t.yaml', '')
    expect(configOf(parseConfig(text, '/a')).state).toEqual({ store: 'file', path: '/a/headliner-state.json' })
    expect(configOf(parseConfig(text, '/b')).state).toEqual({ store: 'file', path: '/b/headliner-state.json' })
  })

  it('accepts a redis state store with a redis:// or rediss:// url', () => {
    const text = MINIMAL.replace(', transform: t.yaml', '')
    for (const url of ['redis://127.0.0.1:6379', 'rediss://cache.internal:6380/2']) {
      expect(configOf(parseConfig(`${text}state: { store: redis, url: "${url}" }\n`, '/x')).state).toEqual({ store: 'redis', url, prefix: 'headliner:default', resyncMs: 1000 })
    }
  })

  it('says "required" for missing fields, rather than a type error', () => {
    expect(problemsOf(parseConfig('', '/x'))).toEqual(['schemaVersion: required', 'models: required'])
    expect(problemsOf(parseConfig('schemaVersion: 1\nmodels:\n  m:\n    versions:\n      v1: { weight: 100 }\n', '/x')))
      .toEqual(['models.m.versions.v1.url: required'])
  })

  it('rejects a model without versions and a config without models', () => {
    expect(problemsOf(parseConfig('schemaVersion: 1\nmodels: {}\n', '/x'))).toEqual(['models: at least one model is required'])
    expect(problemsOf(parseConfig('schemaVersion: 1\nmodels: { m: { versions: {} } }\n', '/x'))).toEqual(['models.m.versions: at least one version is required'])
  })

  it('gives a bad model name the naming rule, at the name', () => {
    const problems = problemsOf(parseConfig(MINIMAL.replace('  m:', '  "hit predictor":'), '/x'))
    // ...and the rest of that model is still checked in the same run.
    expect(problems).toEqual([`models.hit predictor: ${NAME_RULE.replace('version', 'model')}`, 'models.hit predictor.versions.v1.transform: file not found: /x/t.yaml'])
  })

  it('lists each unknown field on its own line with a guess, and checks what parsed in every model', () => {
    const text = 'schemaVersion: 1\nserver: { prot: 1, hots: x }\nmodels:\n' +
      '  a: { versions: { v1: { url: http://127.0.0.1:1, weight: 50 } } }\n' +
      '  b: { versions: { v1: { url: ftp://127.0.0.1:1, weight: 100, mirorr: 5 } } }\n'
    expect(problemsOf(parseConfig(text, '/x'))).toEqual([
      'server.prot: unknown field; did you mean "port"?',
      'server.hots: unknown field; did you mean "host"?',
      'models.b.versions.v1.mirorr: unknown field; did you mean "mirror"?',
      'models.a.versions: weights of serving versions must sum to 100, got 50',
      // b's URL is checked although b has a schema problem; its weights are not summed, because the
      // misspelt mirror leaves unknown whether v1 serves.
      'models.b.versions.v1.url: must be http or https, got "ftp"'
    ])
  })

  it('rejects a sticky header equal to the version header (after lower-casing both)', () => {
    const text = MINIMAL.replace(', transform: t.yaml', '').replace('    versions:', '    sticky: { header: X-Headliner-Version }\n    versions:')
    expect(problemsOf(parseConfig(text, '/x'))).toEqual(['models.m.sticky.header: must differ from versionHeader "x-headliner-version"'])
  })

  it('rejects upstream URLs carrying credentials or a query', () => {
    const text = (url: string) => MINIMAL.replace(', transform: t.yaml', '').replace('http://127.0.0.1:9001', url)
    expect(problemsOf(parseConfig(text('http://u:p@127.0.0.1:9001'), '/x'))).toEqual(['models.m.versions.v1.url: must not carry credentials'])
    expect(problemsOf(parseConfig(text('http://127.0.0.1:9001/?a=1'), '/x'))).toEqual(['models.m.versions.v1.url: must not carry a query or fragment'])
  })
})

describe('formatPath', () => {
  it('writes keys with dots and array indexes in brackets', () => {
    expect(formatPath(['models', 'hit-predictor', 'versions', 'v2', 'weight'])).toBe('models.hit-predictor.versions.v2.weight')
    expect(formatPath(['features', 3, 'max'])).toBe('features[3].max')
    expect(formatPath([])).toBe('(root)')
  })
})
