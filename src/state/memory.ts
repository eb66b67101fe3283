/**
 * The in-memory store: for tests and for a single process that needs no persistence. Several store
 * instances can share one MemoryBackend, which makes them behave like replicas of one real backend
 * (watch fires on the others, compare-and-set conflicts between them are real).
 */
import { AUDIT_LIMIT, UPDATE_ATTEMPTS, type AuditEntry, type AuditInput, type Mutation, type State, type StateStore, type StoreHealth, type UpdateResult } from './types.js'
import { applyMutation, compareAndSet, emptyState, jsonCopy, selectAudit, sumReports, Watchers } from './core.js'

interface Expiring<T> { value: T; expiresAt: number }

/** What a set of memory stores shares: the state, the audit log, leases, count reports. */
export class MemoryBackend {
  state: State = emptyState()
  audit: AuditEntry[] = []
  readonly leases = new Map<string, Expiring<string>>()
  readonly counts = new Map<string, Map<string, Expiring<Record<string, number>>>>()
  readonly #listeners = new Set<(state: State) => void>()

  constructor (readonly now: () => number = Date.now, readonly auditLimit = AUDIT_LIMIT) {}

  commit (state: State, entry: AuditEntry): void {
    this.state = state
    this.audit.push(entry)
    if (this.audit.length > this.auditLimit) this.audit.splice(0, this.audit.length - this.auditLimit)
    // Asynchronous like a real backend's notification, so a writer never re-enters a reader.
    for (const listener of this.#listeners) queueMicrotask(() => listener(jsonCopy(state)))
  }

  listen (listener: (state: State) => void): () => void {
    this.#listeners.add(listener)
    return () => { this.#listeners.delete(listener) }
  }
}

export interface MemoryStoreOptions {
  backend?: MemoryBackend
  attempts?: number
}

export class MemoryStore implements StateStore {
  readonly #backend: MemoryBackend
  readonly #attempts: number
  readonly #watchers = new Watchers()
  #unlisten: (() => void) | undefined

  constructor (opts: MemoryStoreOptions = {}) {
    this.#backend = opts.backend ?? new MemoryBackend()
    this.#attempts = opts.attempts ?? UPDATE_ATTEMPTS
  }

  async load (): Promise<State> {
    // A newer state found by reading is news to the watchers too (the notification may still be on its way).
    this.#watchers.offer(this.#backend.state)
    return jsonCopy(this.#backend.state)
  }

  watch (onChange: (state: State) => void): () => void {
    this.#unlisten ??= this.#backend.listen((state) => this.#watchers.offer(state))
    return this.#watchers.add(onChange)
  }

  async update<R> (model: string, mutate: Mutation<R>, audit: AuditInput): Promise<UpdateResult<R>> {
    return compareAndSet<UpdateResult<R>>(model, this.#attempts, async () => {
      const current = this.#backend.state
      const step = applyMutation(current, model, mutate, audit, new Date(this.#backend.now()))
      // The mutation may have let another writer in (it is user code): compare before setting.
      if (this.#backend.state !== current) return { conflict: true }
      if ('refused' in step) return { conflict: false, value: { applied: false, state: jsonCopy(current), refusal: step.refused } }
      this.#watchers.see(step.next.revision)
      this.#backend.commit(step.next, step.entry)
      return { conflict: false, value: { applied: true, state: jsonCopy(step.next), entry: jsonCopy(step.entry) } }
    })
  }

  async audit (query: { model?: string; limit: number }): Promise<AuditEntry[]> {
    return selectAudit(this.#backend.audit, query)
  }

  async lease (name: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = this.#backend.now()
    const current = this.#backend.leases.get(name)
    if (current !== undefined && current.expiresAt > now && current.value !== holder) return false
    this.#backend.leases.set(name, { value: holder, expiresAt: now + ttlMs })
    return true
  }

  async release (name: string, holder: string): Promise<void> {
    if (this.#backend.leases.get(name)?.value === holder) this.#backend.leases.delete(name)
  }

  async addCounts (replica: string, key: string, counts: Record<string, number>, ttlMs: number): Promise<void> {
    let reports = this.#backend.counts.get(key)
    if (reports === undefined) this.#backend.counts.set(key, reports = new Map())
    reports.set(replica, { value: { ...counts }, expiresAt: this.#backend.now() + ttlMs })
  }

  async sumCounts (key: string): Promise<Record<string, number>> {
    const now = this.#backend.now()
    const reports = this.#backend.counts.get(key) ?? new Map<string, Expiring<Record<string, number>>>()
    for (const [replica, report] of reports) if (report.expiresAt <= now) reports.delete(replica)
    return sumReports([...reports.values()].map((r) => r.value))
  }

  health (): StoreHealth {
    return { up: true, detail: 'in memory (not shared between processes, lost on exit)', store: 'memory' }
  }

  async close (): Promise<void> {
    this.#unlisten?.()
    this.#watchers.clear()
  }
}
