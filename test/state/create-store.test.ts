/** createStore: the config's `state` section picks the implementation; a relative file path starts at the config's directory. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { createStore, FileStore, MemoryStore, RedisStore, type StateStore } from '../../src/state/index.js'
import { startRedis } from '../helpers/redis.js'
import { testLogger } from './backends.js'

let store: StateStore | undefined
const dir = mkdtempSync(join(tmpdir(), 'headliner-create-store-'))
afterEach(async () => { await store?.close(); store = undefined })
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('createStore', () => {
  it('opens a memory store', async () => {
    store = await createStore({ store: 'memory' }, { log: testLogger().log })
    expect(store).toBeInstanceOf(MemoryStore)
  })

  it('opens a file store at a path relative to the config directory', async () => {
    store = await createStore({ store: 'file', path: './state.json' }, { log: testLogger().log, baseDir: dir })
    expect(store).toBeInstanceOf(FileStore)
    await store.update('hit', () => ({ weights: { v1: 100 } }), { actor: 'config', action: 'test' })
    expect(existsSync(join(dir, 'state.json'))).toBe(true)
    expect(store.health().detail).toContain(join(dir, 'state.json'))
  })

  it('opens a Redis store with the given prefix', async () => {
    const redis = await startRedis()
    try {
      store = await createStore({ store: 'redis', url: redis.url }, { log: testLogger().log }, { prefix: 'headliner:blue', resyncMs: 500 })
      expect(store).toBeInstanceOf(RedisStore)
      expect(store.health()).toMatchObject({ up: true, store: 'redis' })
      expect(store.health().detail).toContain('prefix headliner:blue')
    } finally {
      await store?.close()
      store = undefined
      await redis.close()
    }
  })
})
