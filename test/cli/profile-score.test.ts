import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { profileBuild } from '../../src/cli/profile-build.js'
import { trainingSet } from '../../src/demo/training-set.js'
import { startDemoVersions } from '../helpers/gateway.js'
import type { RunningModelServer } from '../../src/demo/model-server.js'

const ROOT = join(import.meta.dirname, '..', '..')
let models: RunningModelServer[]
beforeAll(async () => { models = await startDemoVersions(['v1']) })
afterAll(async () => { await Promise.all(models.map((m) => m.close())) })

async function build (args: Parameters<typeof profileBuild>[0]): Promise<{ prediction?: { classes: Record<string, number> } }> {
  let text = ''
  await profileBuild(args, new Writable({ write (c, _e, cb) { text += String(c); cb() } }))
  return JSON.parse(text) as { prediction?: { classes: Record<string, number> } }
}

describe('profile build --score', () => {
  it('scores a file without predictions with the model and gets the same class shares as the labelled file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'headliner-score-'))
    const lines = [...trainingSet(600, 3)]
    const labelled = join(dir, 'labelled.jsonl')
    const unlabelled = join(dir, 'unlabelled.jsonl')
    writeFileSync(labelled, lines.join('\n'))
    writeFileSync(unlabelled, lines.map((l) => { const o = JSON.parse(l) as Record<string, unknown>; delete o.prediction; return JSON.stringify(o) }).join('\n'))
    const now = new Date('2026-01-01T00:00:00Z')
    const expected = await build({ input: labelled, model: 'hit-predictor', bins: 10, now, labels: join(ROOT, 'models', 'hit-predictor', 'countries.json') })
    const scored = await build({ input: unlabelled, model: 'hit-predictor', bins: 10, now, scoreUrl: models[0]!.url, labels: join(ROOT, 'models', 'hit-predictor', 'countries.json') })
    expect(scored).toEqual(expected)
    expect(Object.keys(scored.prediction!.classes).length).toBeGreaterThan(20)
  })

  it('says what is missing without --labels, and names the server on a refusal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'headliner-score-'))
    const file = join(dir, 'x.jsonl')
    writeFileSync(file, '{"a": 1, "b": 2}\n{"a": 2, "b": 3}\n')
    await expect(build({ input: file, model: 'hit-predictor', bins: 2, scoreUrl: models[0]!.url })).rejects.toThrow(/--score needs --labels FILE/)
    await expect(build({ input: file, model: 'hit-predictor', bins: 2, scoreUrl: models[0]!.url, labels: join(ROOT, 'models', 'hit-predictor', 'countries.json') }))
      .rejects.toThrow(/\/v2\/models\/hit-predictor\/infer answered 400 for rows 1-2: .*expected \[N, 12\]/)
  })
})

describe('profile build --labels, through the CLI (bin/headliner.js, compiled dist/)', () => {
  const countries = join(ROOT, 'models', 'hit-predictor', 'countries.json')
  const codes = (JSON.parse(readFileSync(countries, 'utf8')) as { code: string }[]).map((c) => c.code)
  const cli = async (args: string[]) => {
    const r = await promisify(execFile)(process.execPath, [join(ROOT, 'bin', 'headliner.js'), 'profile', 'build', ...args], { cwd: ROOT, timeout: 60_000 }).catch((err: { code: number; stdout: string; stderr: string }) => err)
    return { code: 'code' in r && typeof r.code === 'number' ? r.code : 0, stdout: r.stdout, stderr: r.stderr }
  }

  it('writes the labels, in the file\'s column order, as the profile\'s prediction.labels (with and without --score)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'headliner-labels-'))
    const lines = [...trainingSet(300, 4)]
    const labelled = join(dir, 'labelled.jsonl')
    const unlabelled = join(dir, 'unlabelled.jsonl')
    writeFileSync(labelled, lines.join('\n'))
    writeFileSync(unlabelled, lines.map((l) => { const o = JSON.parse(l) as Record<string, unknown>; delete o.prediction; return JSON.stringify(o) }).join('\n'))
    const given = await cli(['--input', labelled, '--model', 'hit-predictor', '--labels', countries])
    expect(given.code, given.stderr).toBe(0)
    expect((JSON.parse(given.stdout) as { prediction: { labels: string[] } }).prediction.labels).toEqual(codes)
    const scored = await cli(['--input', unlabelled, '--model', 'hit-predictor', '--score', models[0]!.url, '--labels', countries])
    expect(scored.code, scored.stderr).toBe(0)
    expect((JSON.parse(scored.stdout) as { prediction: { labels: string[] } }).prediction.labels).toEqual(codes)
    // the labels are the model's column order, not sorted (the demo's codes happen to be sorted; the profile keeps the file's order)
    const reversed = join(dir, 'reversed.json')
    writeFileSync(reversed, JSON.stringify([...codes].reverse()))
    expect((JSON.parse((await cli(['--input', labelled, '--model', 'hit-predictor', '--labels', reversed])).stdout) as { prediction: { labels: string[] } }).prediction.labels).toEqual([...codes].reverse())
  }, 120_000)

  it('refuses labels that cannot label the rows: no predictions, or a predicted class not among them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'headliner-labels-'))
    const plain = join(dir, 'plain.jsonl')
    writeFileSync(plain, '{"a": 1}\n{"a": 2}\n')
    const none = await cli(['--input', plain, '--model', 'm', '--labels', countries])
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(/--labels .*no predictions/)
    const labelled = join(dir, 'labelled.jsonl')
    writeFileSync(labelled, '{"a": 1, "prediction": "stay"}\n{"a": 2, "prediction": "churn"}\n')
    const two = join(dir, 'two.json')
    writeFileSync(two, JSON.stringify(['stay', 'upgrade']))
    const unknown = await cli(['--input', labelled, '--model', 'm', '--labels', two])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/"churn".*not in .*two\.json/)
  }, 120_000)
})
