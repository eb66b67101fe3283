/**
 * The file store beyond the shared table: a restart keeps the state and audit, a corrupt file is
 * refused at start (naming the file and the JSON problem) and tolerated later (last good state kept,
 * health down, writes refused), and a reader in another process never sees half a document.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FileStore } from '../../src/state/file.js'
import { StateCorruptError, StateUnavailableError } from '../../src/state/errors.js'
import type { ModelState } from '../../src/state/types.js'
import { until } from '../helpers/wait.js'
import { testLogger } from './backends.js'

let dir: string
let path: string
const who = { actor: 'alice', action: 'set-weights' }
const weights = (w: Record<string, number>) => (cur: ModelState | undefined): ModelState => ({ ...cur, weights: w })

beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'headliner-file-store-')); path = join(dir, 'state.json') })
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('file store', () => {
  it('keeps state and audit across a restart', async () => {
    const first = await FileStore.open({ path, log: testLogger().log })
    await first.update('hit', weights({ v1: 80, v2: 20 }), who)
    await first.update('hit', weights({ v1: 50, v2: 50 }), who)
    await first.close()
    const second = await FileStore.open({ path, log: testLogger().log })
    expect(await second.load()).toEqual({ revision: 2, models: { hit: { weights: { v1: 50, v2: 50 } } } })
    expect((await second.audit({ limit: 10 })).map((e) => e.revision)).toEqual([2, 1])
    await second.close()
  })

  it('refuses a file that is not JSON at start, naming the file and the problem', async () => {
    writeFileSync(path, '{"revision": 3, "models": {')
    const err = await FileStore.open({ path, log: testLogger().log }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StateCorruptError)
    expect((err as StateCorruptError).code).toBe('HEADLINER_ERR_STATE_CORRUPT')
    expect((err as Error).message).toContain(path)
    expect((err as Error).message).toMatch(/: JSON: .* in JSON at position \d+/)
  })

  it('refuses a JSON file that is not a state document, naming the field', async () => {
    writeFileSync(path, JSON.stringify({ revision: 'three', models: {}, audit: [] }))
    const err = await FileStore.open({ path, log: testLogger().log }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StateCorruptError)
    expect((err as Error).message).toContain(`${path} is not a valid state document: revision:`)
  })

  it('keeps the last good state when the file turns corrupt later, and recovers when it is fixed', async () => {
    const { log, lines } = testLogger()
    const store = await FileStore.open({ path, log, resyncMs: 50 })
    const seen: number[] = []
    store.watch((s) => seen.push(s.revision))
    await store.update('hit', weights({ v1: 100 }), who)
    writeFileSync(path, 'not json at all')
    await until(() => !store.health().up, 5000)
    expect(store.health().detail).toContain(`state file ${path} is corrupt: JSON:`)
    expect(await store.load()).toEqual({ revision: 1, models: { hit: { weights: { v1: 100 } } } })
    await expect(store.update('hit', weights({ v1: 0, v2: 100 }), who)).rejects.toBeInstanceOf(StateUnavailableError)
    expect(lines.some((l) => l.includes('keeping the last good state'))).toBe(true)
    writeFileSync(path, JSON.stringify({ revision: 2, models: { hit: { weights: { v2: 100 } } }, audit: [] }))
    await until(() => seen.includes(2), 5000)
    expect(store.health().up).toBe(true)
    expect((await store.update('hit', weights({ v1: 10, v2: 90 }), who)).state.revision).toBe(3)
    await store.close()
  })

  it('waits a bounded time for a lock another process holds, and breaks a stale one', async () => {
    const store = await FileStore.open({ path, log: testLogger().log, lock: { waitMs: 300, staleMs: 5000 } })
    writeFileSync(`${path}.lock`, '99999\n')
    const t0 = Date.now()
    const err = await store.update('hit', weights({ v1: 100 }), who).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StateUnavailableError)
    expect((err as Error).message).toContain(`lock ${path}.lock still held after 300 ms`)
    expect(Date.now() - t0).toBeLessThan(3000)
    // A lock older than staleMs was left by a crashed process.
    const old = new Date(Date.now() - 60_000)
    utimesSync(`${path}.lock`, old, old)
    expect((await store.update('hit', weights({ v1: 100 }), who)).state.revision).toBe(1)
    await store.close()
  })

  it('never shows a reader in another process half a document', async () => {
    // A short audit log keeps each document near 1 MB (entries carry the model state before and after).
    const store = await FileStore.open({ path, log: testLogger().log, auditLimit: 1 })
    await store.update('hit', weights({ v1: 100 }), who)
    // Another process parses the file in a tight loop until told to stop; it reports reads and failures.
    const reader = spawn(process.execPath, ['-e', `
      const fs = require('node:fs'); let reads = 0, bad = 0, stop = false
      process.stdin.on('data', () => { stop = true }).resume()
      const loop = () => { for (let i = 0; i < 50; i++) { try { JSON.parse(fs.readFileSync(${JSON.stringify(path)}, 'utf8')); reads++ } catch { bad++ } }
        if (stop) { console.log(JSON.stringify({ reads, bad })); process.exit(0) } setImmediate(loop) }
      loop()`], { stdio: ['pipe', 'pipe', 'inherit'] })
    let out = ''
    reader.stdout.on('data', (c: Buffer) => { out += c.toString() })
    // Large documents (about 1 MB each) make a torn write likely if writes were not atomic.
    const blob = 'x'.repeat(300_000)
    for (let i = 0; i < 30; i++) await store.update('hit', (cur) => ({ ...cur, rollout: { i, blob } }), who)
    reader.stdin.write('stop\n')
    await until(() => out.includes('}'), 10_000)
    const { reads, bad } = JSON.parse(out) as { reads: number; bad: number }
    expect(reads).toBeGreaterThan(30)
    expect(bad).toBe(0)
    await store.close()
  })
})
