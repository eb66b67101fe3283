/**
 * `createStore(config.state, deps)`: the store the config names. The file path is resolved against
 * the config file's directory, like every other path in the config.
 */
import { isAbsolute, resolve } from 'node:path'
import type { Logger } from 'pino'
import type { Config } from '../config/schema.js'
import { FileStore } from './file.js'
import { MemoryBackend, MemoryStore } from './memory.js'
import { RedisStore } from './redis.js'
import type { StateStore } from './types.js'

export type { AuditEntry, AuditInput, ModelState, Mutation, State, StateStore, StoreHealth, UpdateResult } from './types.js'
export { Refusal, AUDIT_LIMIT } from './types.js'
export { StateConflictError, StateCorruptError, StateUnavailableError } from './errors.js'
export { MemoryBackend, MemoryStore } from './memory.js'
export { FileStore } from './file.js'
export { RedisStore } from './redis.js'

export interface StoreDeps {
  log: Logger
  /** Directory of the config file (relative state paths start there). Default: the working directory. */
  baseDir?: string
  now?: () => number
}

/** Options beyond today's config schema (`state: {store, path}` / `{store, url}`); all have defaults. */
export interface StoreOptions {
  /** Redis key and channel prefix. Default `headliner:default`. */
  prefix?: string
  /** Resync interval (Redis: full re-read; file: stamp poll). Default 1000. */
  resyncMs?: number
  /** Bound of every Redis command. Default 1000. */
  commandTimeoutMs?: number
  /** Audit entries kept. Default 10,000. */
  auditLimit?: number
}

/** The config's `state` section (its Redis `prefix` and `resyncMs` are defaults that `opts` can override). */
export type StateConfig = Exclude<Config['state'], { store: 'redis' }> | { store: 'redis'; url: string; prefix?: string; resyncMs?: number } | { store: 'memory' }

/** Opens the store: rejects for a corrupt state file (StateCorruptError); a Redis that is not up yet is not an error. */
export async function createStore (config: StateConfig, deps: StoreDeps, opts: StoreOptions = {}): Promise<StateStore> {
  const common = { log: deps.log, ...(deps.now === undefined ? {} : { now: deps.now }), ...definedOnly(opts) }
  switch (config.store) {
    case 'memory':
      return new MemoryStore({ backend: new MemoryBackend(deps.now, opts.auditLimit) })
    case 'file': {
      const path = isAbsolute(config.path) ? config.path : resolve(deps.baseDir ?? process.cwd(), config.path)
      return FileStore.open({ ...common, path })
    }
    case 'redis':
      return RedisStore.open({ ...definedOnly({ prefix: config.prefix, resyncMs: config.resyncMs }), ...common, url: config.url })
  }
}

function definedOnly (opts: StoreOptions): StoreOptions {
  return Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as StoreOptions
}
