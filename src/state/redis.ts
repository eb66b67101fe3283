/**
 * The Redis store: several replicas share one state. A change is one Lua script (compare the revision,
 * set the state, push the audit entry, publish the revision); every replica hears the publication
 * and reads the state, and resyncs every `resyncMs` anyway, so a lost message costs at most one
 * interval. While Redis is unreachable, readers keep the last known state, health is down, writes
 * reject with StateUnavailableError at once (no offline queue: a write is made or refused, never held).
 */
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import type { Logger } from 'pino'
import { AUDIT_LIMIT, UPDATE_ATTEMPTS, type AuditEntry, type AuditInput, type ModelState, type Mutation, type State, type StateStore, type StoreHealth, type UpdateResult } from './types.js'
import { applyMutation, compareAndSet, emptyState, jsonCopy, Serial, sumReports, Watchers } from './core.js'
import { StateUnavailableError } from './errors.js'
import { SCRIPTS, type ScriptMethods } from './redis-scripts.js'

export interface RedisStoreOptions {
  url: string
  log: Logger
  /** Namespace of every key and of the channel: gateways sharing a Redis must differ. Default `headliner:default`. */
  prefix?: string
  /** Full re-read interval behind pub/sub. Default 1000. */
  resyncMs?: number
  /** Bound of every Redis command. Default 1000. */
  commandTimeoutMs?: number
  /** How long `open` waits for the first connection before starting with health down. Default 3000. */
  connectTimeoutMs?: number
  /** Longest pause between reconnection attempts (exponential backoff from 100 ms). Default 2000. */
  reconnectMaxMs?: number
  auditLimit?: number
  attempts?: number
  now?: () => number
}

type Client = Redis & ScriptMethods

export class RedisStore implements StateStore {
  readonly #opts: Required<Omit<RedisStoreOptions, 'log' | 'now'>>
  readonly #log: Logger
  readonly #now: () => number
  readonly #origin = randomUUID()
  readonly #keys: { state: string; audit: string; channel: string }
  readonly #cmd: Client
  readonly #sub: Redis
  readonly #watchers = new Watchers()
  readonly #writes = new Serial()
  #state: State = emptyState()
  #failure: string | undefined
  #resyncing = false
  #timer: NodeJS.Timeout | undefined
  #closed = false

  private constructor (opts: RedisStoreOptions) {
    this.#opts = {
      url: opts.url, prefix: opts.prefix ?? 'headliner:default', resyncMs: opts.resyncMs ?? 1000,
      commandTimeoutMs: opts.commandTimeoutMs ?? 1000, connectTimeoutMs: opts.connectTimeoutMs ?? 3000,
      reconnectMaxMs: opts.reconnectMaxMs ?? 2000, auditLimit: opts.auditLimit ?? AUDIT_LIMIT, attempts: opts.attempts ?? UPDATE_ATTEMPTS
    }
    this.#log = opts.log
    this.#now = opts.now ?? Date.now
    const p = this.#opts.prefix
    this.#keys = { state: `${p}:state`, audit: `${p}:audit`, channel: `${p}:changes` }
    const common = {
      lazyConnect: true,
      // Made or refused, never queued: a command while disconnected fails at once, one in flight is not resent.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      autoResubscribe: false,
      commandTimeout: this.#opts.commandTimeoutMs,
      connectTimeout: this.#opts.connectTimeoutMs,
      retryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times, 10), this.#opts.reconnectMaxMs)
    }
    this.#cmd = new Redis(this.#opts.url, { ...common, scripts: SCRIPTS }) as Client
    this.#sub = new Redis(this.#opts.url, common)
    for (const [role, client] of [['commands', this.#cmd], ['subscriber', this.#sub]] as const) {
      client.on('error', (err: Error) => this.#down(`${role} connection: ${err.message}`))
      client.on('close', () => this.#down(`${role} connection closed`))
    }
    this.#cmd.on('ready', () => { void this.#resync() })
    this.#sub.on('ready', () => {
      this.#sub.subscribe(this.#keys.channel).then(() => this.#resync(), (err: Error) => this.#down(`subscribe: ${err.message}`))
    })
    this.#sub.on('message', (_channel: string, message: string) => {
      const [revision, origin] = message.split(' ')
      if (origin !== this.#origin && Number(revision) > this.#watchers.known) void this.#resync()
    })
  }

  /** Connects (bounded by connectTimeoutMs) and reads the state; when Redis is not there yet, starts down and keeps trying. */
  static async open (opts: RedisStoreOptions): Promise<RedisStore> {
    const store = new RedisStore(opts)
    const connect = (client: Redis): Promise<void> => client.connect().catch((err: Error) => store.#down(err.message))
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, store.#opts.connectTimeoutMs).unref())
    await Promise.race([Promise.all([connect(store.#cmd), connect(store.#sub)]), timeout])
    if (store.#cmd.status === 'ready') await store.#resync()
    else opts.log.error({ url: redactUrl(opts.url), detail: store.#failure }, 'state store: Redis not reachable at start; serving the config file\'s values until it is')
    store.#timer = setInterval(() => { void store.#resync() }, store.#opts.resyncMs).unref()
    return store
  }

  async load (): Promise<State> {
    // Its own read (a resync in flight may predate the caller's last write); readers keep the last
    // known state while Redis is away.
    if (this.#cmd.status === 'ready') {
      const state = await this.#read().catch(() => undefined)
      if (state !== undefined && !this.#writes.busy) this.#accept(state, true)
    }
    return jsonCopy(this.#state)
  }

  watch (onChange: (state: State) => void): () => void {
    return this.#watchers.add(onChange)
  }

  async update<R> (model: string, mutate: Mutation<R>, audit: AuditInput): Promise<UpdateResult<R>> {
    return this.#writes.run(() => compareAndSet<UpdateResult<R>>(model, this.#opts.attempts, async () => {
      const base = await this.#read()
      const step = applyMutation(base, model, mutate, audit, new Date(this.#now()))
      if ('refused' in step) return { conflict: false, value: { applied: false, state: base, refusal: step.refused } }
      const revision = Number(await this.#run(() => this.#cmd.headlinerUpdate(
        this.#keys.state, this.#keys.audit, this.#modelAudit(model),
        base.revision, JSON.stringify(step.next.models), JSON.stringify(step.entry), this.#opts.auditLimit, this.#keys.channel, this.#origin)))
      if (revision === 0) return { conflict: true }
      this.#accept(step.next, false)
      return { conflict: false, value: { applied: true, state: jsonCopy(step.next), entry: step.entry } }
    }))
  }

  async audit (query: { model?: string; limit: number }): Promise<AuditEntry[]> {
    const key = query.model === undefined ? this.#keys.audit : this.#modelAudit(query.model)
    const raw = await this.#run(() => this.#cmd.lrange(key, 0, Math.max(0, query.limit - 1)))
    return query.limit <= 0 ? [] : raw.map((text) => JSON.parse(text) as AuditEntry)
  }

  async lease (name: string, holder: string, ttlMs: number): Promise<boolean> {
    return Number(await this.#run(() => this.#cmd.headlinerLease(`${this.#opts.prefix}:lease:${name}`, holder, Math.max(1, Math.round(ttlMs))))) === 1
  }

  async release (name: string, holder: string): Promise<void> {
    await this.#run(() => this.#cmd.headlinerRelease(`${this.#opts.prefix}:lease:${name}`, holder))
  }

  async addCounts (replica: string, key: string, counts: Record<string, number>, ttlMs: number): Promise<void> {
    const set = `${this.#opts.prefix}:counts:${key}`
    await this.#run(() => this.#cmd.headlinerAddCounts(set, `${set}:${replica}`, replica, JSON.stringify(counts), Math.max(1, Math.round(ttlMs))))
  }

  async sumCounts (key: string): Promise<Record<string, number>> {
    const set = `${this.#opts.prefix}:counts:${key}`
    const replicas = await this.#run(() => this.#cmd.smembers(set))
    if (replicas.length === 0) return {}
    const reports = await this.#run(() => this.#cmd.mget(replicas.map((r) => `${set}:${r}`)))
    // A report that expired leaves its replica in the set: forget it (best effort; the set expires anyway).
    const gone = replicas.filter((_r, i) => reports[i] == null)
    if (gone.length > 0) void this.#run(() => this.#cmd.srem(set, ...gone)).catch(() => undefined)
    return sumReports(reports.filter((r): r is string => r != null).map((r) => JSON.parse(r) as Record<string, number>))
  }

  health (): StoreHealth {
    const where = `${redactUrl(this.#opts.url)} prefix ${this.#opts.prefix}`
    if (this.#failure === undefined && this.#cmd.status === 'ready') return { up: true, detail: `${where} (revision ${this.#state.revision})`, store: 'redis' }
    return { up: false, detail: `${where}: ${this.#failure ?? this.#cmd.status}; serving the last known state (revision ${this.#state.revision})`, store: 'redis' }
  }

  async close (): Promise<void> {
    this.#closed = true
    clearInterval(this.#timer)
    this.#watchers.clear()
    this.#cmd.disconnect()
    this.#sub.disconnect()
  }

  #modelAudit (model: string): string {
    return `${this.#opts.prefix}:audit:${model}`
  }

  /** The state in Redis now; rejects with StateUnavailableError. */
  async #read (): Promise<State> {
    const [revision, models] = await this.#run(() => this.#cmd.hmget(this.#keys.state, 'revision', 'models'))
    return { revision: Number(revision ?? 0), models: models == null ? {} : JSON.parse(models) as Record<string, ModelState> }
  }

  /** Re-reads the state and tells the watchers when it is new; never rejects (a failure marks health down). */
  async #resync (): Promise<void> {
    if (this.#resyncing || this.#closed) return
    this.#resyncing = true
    try {
      const state = await this.#read()
      // Our own write in flight: the update records it (the next resync sees anything else).
      if (!this.#writes.busy) this.#accept(state, true)
    } catch {
      // #run recorded the failure; the last known state stays.
    } finally {
      this.#resyncing = false
    }
  }

  #accept (state: State, notify: boolean): void {
    if (state.revision < this.#watchers.known) {
      this.#log.error({ known: this.#watchers.known, found: state.revision }, 'state store: Redis went back to an older revision (restarted without persistence, or flushed); adopting it')
      this.#state = state
      this.#watchers.adopt(state)
      return
    }
    if (state.revision >= this.#state.revision) this.#state = state
    if (notify) this.#watchers.offer(state)
    else this.#watchers.see(state.revision)
  }

  /** Runs one command: StateUnavailableError when disconnected, timed out or dropped; Redis's own reply errors pass. */
  async #run<T> (command: () => Promise<T>): Promise<T> {
    if (this.#cmd.status !== 'ready') throw new StateUnavailableError('redis', this.#failure ?? `not connected (${this.#cmd.status})`)
    try {
      const result = await command()
      this.#up()
      return result
    } catch (err) {
      if ((err as Error).name === 'ReplyError') throw err
      this.#down((err as Error).message)
      throw new StateUnavailableError('redis', (err as Error).message)
    }
  }

  #down (detail: string): void {
    if (this.#closed) return
    if (this.#failure === undefined) this.#log.warn({ url: redactUrl(this.#opts.url), detail }, 'state store: Redis unavailable; keeping the last known state, refusing writes')
    this.#failure = detail
  }

  #up (): void {
    if (this.#failure === undefined || this.#sub.status !== 'ready') return
    this.#log.info({ url: redactUrl(this.#opts.url) }, 'state store: Redis available again')
    this.#failure = undefined
  }
}

/** The URL without its password, for logs and health. */
export function redactUrl (url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')
}
