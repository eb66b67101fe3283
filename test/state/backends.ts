/**
 * The three store implementations as test backends: each `open()` gives a new store instance over one
 * shared backend (memory: one MemoryBackend; file: one path; redis: one server and key prefix), so two
 * instances behave like two replicas.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { pino, type Logger } from 'pino'
import { FileStore } from '../../src/state/file.js'
import { MemoryBackend, MemoryStore } from '../../src/state/memory.js'
import { RedisStore } from '../../src/state/redis.js'
import type { StateStore } from '../../src/state/types.js'
import { startRedis, type RunningRedis } from '../helpers/redis.js'

export interface OpenOptions { auditLimit?: number; resyncMs?: number }

export interface Backend {
  name: 'memory' | 'file' | 'redis'
  /** A fresh, empty shared backend for one test. */
  reset (): Promise<void>
  open (opts?: OpenOptions): Promise<StateStore>
  /** Closes every store opened since the last reset. */
  closeStores (): Promise<void>
  teardown (): Promise<void>
}

/** A logger that keeps its lines (JSON strings) for assertions. */
export function testLogger (): { log: Logger; lines: string[] } {
  const lines: string[] = []
  const log = pino({ level: 'info' }, new Writable({ write (c, _e, cb) { lines.push(String(c)); cb() } }))
  return { log, lines }
}

function tracking (make: (opts: OpenOptions) => Promise<StateStore>): Pick<Backend, 'open' | 'closeStores'> {
  let stores: StateStore[] = []
  return {
    open: async (opts = {}) => { const s = await make(opts); stores.push(s); return s },
    closeStores: async () => { await Promise.all(stores.map((s) => s.close())); stores = [] }
  }
}

export function memoryBackend (): Backend {
  let shared = new MemoryBackend()
  const t = tracking(async (opts) => {
    if (opts.auditLimit !== undefined) shared = new MemoryBackend(Date.now, opts.auditLimit)
    return new MemoryStore({ backend: shared })
  })
  return { name: 'memory', reset: async () => { shared = new MemoryBackend() }, ...t, teardown: async () => undefined }
}

export function fileBackend (): Backend {
  const dir = mkdtempSync(join(tmpdir(), 'headliner-state-'))
  let n = 0
  let path = join(dir, 'state-0.json')
  const { log } = testLogger()
  const t = tracking((opts) => FileStore.open({ path, log, resyncMs: opts.resyncMs ?? 100, ...(opts.auditLimit === undefined ? {} : { auditLimit: opts.auditLimit }) }))
  return {
    name: 'file',
    reset: async () => { path = join(dir, `state-${++n}.json`) },
    ...t,
    teardown: async () => rmSync(dir, { recursive: true, force: true })
  }
}

export function redisBackend (): Backend {
  let redis: RunningRedis | undefined
  let n = 0
  let prefix = 'test:0'
  const { log } = testLogger()
  const t = tracking(async (opts) => {
    redis ??= await startRedis()
    return RedisStore.open({ url: redis.url, prefix, log, resyncMs: opts.resyncMs ?? 100, ...(opts.auditLimit === undefined ? {} : { auditLimit: opts.auditLimit }) })
  })
  return {
    name: 'redis',
    reset: async () => { prefix = `test:${++n}` },
    ...t,
    teardown: async () => { await redis?.close() }
  }
}
