import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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
    const expected = await build({ input: labelled, model: 'hit-predictor', bins: 10, now })
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
