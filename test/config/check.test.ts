/**
 * What `config check` adds to a bare validator: a line and column for each problem, "did you mean"
 * for a misspelt field, and a loaded config nothing can change afterwards.
 */
import { describe, expect, it } from 'vitest'
import { parseConfig, type LoadResult } from '../../src/config/load.js'
import { knownFieldsAt } from '../../src/config/fields.js'
import { RELOAD, STATIC_SECTIONS } from '../../src/config/schema.js'

const TEXT = [
  'schemaVersion: 1', //                                                 line 1
  'server:', //                                                          line 2
  '  port: 8080', //                                                     line 3
  '  bodyLimitByte: 10', //                                              line 4: unknown field
  'models:', //                                                          line 5
  '  m:', //                                                             line 6
  '    versions:', //                                                    line 7
  '      v1:', //                                                        line 8
  '        url: ftp://127.0.0.1:9001', //                                line 9
  '        weight: 100', //                                              line 10
  '      v2: { url: http://127.0.0.1:9002, weigth: 0, mirror: 100 }', //  line 11
  '      v3: { weight: 0, mirror: 5 }' //                                line 12: url missing
].join('\n') + '\n'

function issuesOf (r: LoadResult) {
  if (r.ok) throw new Error('expected problems')
  return r.issues!.map((i) => ({ path: i.path.join('.'), line: i.line, column: i.column, message: i.message }))
}

describe('config problems: position and did-you-mean', () => {
  it('gives each problem the line and column of its field, and a guess for a misspelt one', () => {
    expect(issuesOf(parseConfig(TEXT, '/x'))).toEqual([
      { path: 'server.bodyLimitByte', line: 4, column: 3, message: 'unknown field; did you mean "bodyLimitBytes"?' },
      { path: 'models.m.versions.v2.weigth', line: 11, column: 41, message: 'unknown field; did you mean "weight"?' },
      // A missing field points at the map it belongs in.
      { path: 'models.m.versions.v3.url', line: 12, column: 7, message: 'required' },
      { path: 'models.m.versions.v1.url', line: 9, column: 9, message: 'must be http or https, got "ftp"' }
    ])
  })

  it('puts the position at the end of each printed problem', () => {
    const r = parseConfig(TEXT, '/x')
    expect(r.ok ? [] : r.problems[3]).toBe('models.m.versions.v1.url: must be http or https, got "ftp" (line 9, column 9)')
  })

  it('knows the fields at every depth, through records and unions', () => {
    expect(knownFieldsAt(['models', 'any', 'versions', 'any'])).toContain('mirror')
    expect(knownFieldsAt(['state'])).toEqual(['store', 'path', 'url', 'prefix', 'resyncMs'])
    expect(knownFieldsAt(['admin', 'tokens', 0])).toEqual(['name', 'role', 'sha256'])
    expect(knownFieldsAt(['models', 'm', 'timeoutMs'])).toEqual([])
  })
})

describe('a loaded config', () => {
  it('is frozen to the leaves', () => {
    const r = parseConfig('schemaVersion: 1\nmodels:\n  m:\n    versions:\n      v1: { url: http://127.0.0.1:1, weight: 100 }\n', '/x')
    if (!r.ok) throw new Error(r.problems.join('\n'))
    const v1 = r.config.models.m!.versions.v1!
    expect(() => { v1.weight = 50 }).toThrow(TypeError)
    expect(() => { r.config.admin.tokens.push({ name: 'x', role: 'write', sha256: '0'.repeat(64) }) }).toThrow(TypeError)
    expect(Object.isFrozen(r.config.models.m!.shadow.agreement)).toBe(true)
  })

  it('declares beside the schema which sections need a restart', () => {
    expect(STATIC_SECTIONS).toEqual(['server', 'admin', 'probe', 'state'])
    expect(RELOAD.models).toBe('hot')
  })

  it('refuses two tokens with one name and a token that is not a SHA-256', () => {
    const base = 'schemaVersion: 1\nmodels:\n  m:\n    versions:\n      v1: { url: http://127.0.0.1:1, weight: 100 }\nadmin:\n  tokens:\n'
    const sha = 'a'.repeat(64)
    const twice = parseConfig(`${base}    - { name: ci, role: read, sha256: ${sha} }\n    - { name: ci, role: write, sha256: ${sha} }\n`, '/x')
    expect(twice.ok ? [] : twice.problems).toEqual(['admin.tokens: token names must be unique (audit entries name them): ci twice (line 7, column 3)'])
    const plain = parseConfig(`${base}    - { name: ci, role: read, sha256: my-secret }\n`, '/x')
    expect(plain.ok ? [] : plain.problems).toEqual(['admin.tokens[0].sha256: must be the SHA-256 of the token as 64 hex digits (`headliner token hash` prints it), never the token (line 8, column 31)'])
  })

  it('names a tokens file it cannot read', () => {
    const r = parseConfig('schemaVersion: 1\nadmin: { tokensFile: nope.yaml }\nmodels:\n  m:\n    versions:\n      v1: { url: http://127.0.0.1:1, weight: 100 }\n', '/x')
    expect(r.ok ? [] : r.problems).toEqual(['admin.tokensFile: cannot read /x/nope.yaml: ENOENT (line 2, column 10)'])
  })
})
