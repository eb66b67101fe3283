/**
 * `headliner config check FILE`, run as a user runs it: the real bin over the compiled dist/.
 * `npm test` builds first; run `npm run build` before running this file alone.
 */
import { join } from 'node:path'
import { describe, it, expect } from 'vitest'
import { ROOT, runHeadlinerSync, type Run } from '../helpers/cli.js'

const FIXTURES = join(ROOT, 'test/fixtures/config')

const headliner = (...args: string[]): Run => runHeadlinerSync(args, { timeoutMs: 20_000 })

describe('headliner config check', () => {
  it('prints ok and one summary line per model for a valid file, exit 0', () => {
    const file = join(FIXTURES, 'valid-full.yaml')
    const run = headliner('config', 'check', file)
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout.split('\n')).toEqual([
      `ok: ${file}`,
      '  hit-predictor: v1 90%, v2 10%, v3 shadow 100% (sticky on x-user-id)',
      '  genre-tagger: a 50%, b 50%, c shadow 12.5%',
      '  tempo-regressor: live 100%, next shadow 0%',
      ''
    ])
  })

  it('resolves a relative FILE against the working directory', () => {
    const run = headliner('config', 'check', 'test/fixtures/config/valid-minimal.yaml')
    expect(run.code).toBe(0)
    expect(run.stdout).toBe(`ok: ${join(FIXTURES, 'valid-minimal.yaml')}\n  hit-predictor: v1 100%\n`)
  })

  it('prints every problem with its path for an invalid file, exit 1', () => {
    const file = join(FIXTURES, 'invalid-many.yaml')
    const run = headliner('config', 'check', file)
    expect(run.code).toBe(1)
    expect(run.stdout).toBe([
      `${file}: 3 problems`,
      '  server.port: Too big: expected number to be <=65535 (line 6, column 11)',
      '  models.hit-predictor.versions.v2.url: must be http or https, got "ftp" (line 11, column 13)',
      '  models.hit-predictor.versions: weights of serving versions must sum to 100, got 110 (line 9, column 5)',
      ''
    ].join('\n'))
  })

  it('says "1 problem" (singular) for a one-defect file', () => {
    const file = join(FIXTURES, 'invalid-weights-sum.yaml')
    const run = headliner('config', 'check', file)
    expect(run.code).toBe(1)
    expect(run.stdout).toBe(`${file}: 1 problem\n  models.hit-predictor.versions: weights of serving versions must sum to 100, got 110 (line 5, column 5)\n`)
  })

  it('reports a missing file as a problem, exit 1, without a stack trace', () => {
    const file = join(FIXTURES, 'does-not-exist.yaml')
    const run = headliner('config', 'check', file)
    expect(run.code).toBe(1)
    expect(run.stdout).toBe(`${file}: 1 problem\n  cannot read config: ENOENT: no such file or directory, open '${file}'\n`)
    expect(run.stderr).toBe('')
  })

  it('says which argument is missing, in one line, and exits 2 when FILE is missing', () => {
    const run = headliner('config', 'check')
    expect(run.code).toBe(2)
    expect(run.stderr).toBe("error: missing required argument 'file'\n")
  })

  it('prints its help for --help and -h, exit 0, instead of reading a file named --help', () => {
    for (const flag of ['--help', '-h']) {
      const run = headliner('config', 'check', flag)
      expect(run.code).toBe(0)
      expect(run.stdout).toMatch(/^Usage: headliner config check \[options\] <file>/)
      expect(run.stdout).not.toContain('cannot read config')
    }
  })

  it('reports schema and semantic problems of one model together, with did-you-mean and line:column', () => {
    const file = join(FIXTURES, 'invalid-many-in-one-model.yaml')
    const run = headliner('config', 'check', file)
    expect(run.code).toBe(1)
    expect(run.stdout.split('\n').slice(1, 5)).toEqual([
      '  models.hit-predictor.timeoutMs: expected number, received string (line 6, column 5)',
      '  models.hit-predictor.versions.v1.conections: unknown field; did you mean "connections"? (line 8, column 54)',
      '  models.hit-predictor.versions.v2.url: must be http or https, got "ftp" (line 9, column 13)',
      `  models.hit-predictor.versions.v3.transform: file not found: ${join(FIXTURES, 'files/no-such-transform.yaml')} (line 10, column 54)`
    ])
  })
})
