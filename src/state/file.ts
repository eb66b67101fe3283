/**
 * The file store: one JSON document (state + bounded audit log) on one machine. Every write replaces
 * the whole document by an atomic rename, under a lock file, after comparing the revision on disk
 * with the one the change was computed from. Other processes' writes are noticed by watching the
 * directory and, as a backstop, by polling the file's stamp every `resyncMs`.
 */
import { watch as watchDir, type FSWatcher } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import type { Logger } from 'pino'
import { AUDIT_LIMIT, UPDATE_ATTEMPTS, type AuditEntry, type AuditInput, type Mutation, type State, type StateStore, type StoreHealth, type UpdateResult } from './types.js'
import { applyMutation, compareAndSet, parseDocument, selectAudit, Serial, Watchers, type Document } from './core.js'
import { StateCorruptError, StateUnavailableError } from './errors.js'
import { headRevision, replaceFile, stampOf, withLock, type LockOptions } from './file-io.js'
import { FileSideTables } from './file-side.js'

export interface FileStoreOptions {
  path: string
  log: Logger
  /** Poll interval of the stamp check behind the directory watch. Default 1000. */
  resyncMs?: number
  auditLimit?: number
  attempts?: number
  lock?: Partial<LockOptions>
  now?: () => number
}

const EMPTY: Document = { revision: 0, models: {}, audit: [] }

export class FileStore implements StateStore {
  readonly #path: string
  readonly #log: Logger
  readonly #resyncMs: number
  readonly #auditLimit: number
  readonly #attempts: number
  readonly #lock: LockOptions
  readonly #now: () => number
  readonly #side: FileSideTables
  readonly #watchers = new Watchers()
  readonly #writes = new Serial()
  #doc: Document
  #stamp: string
  #problem: string | undefined
  #dirWatch: FSWatcher | undefined
  #timer: NodeJS.Timeout | undefined

  private constructor (opts: FileStoreOptions, doc: Document, stamp: string) {
    this.#path = opts.path
    this.#log = opts.log
    this.#resyncMs = opts.resyncMs ?? 1000
    this.#auditLimit = opts.auditLimit ?? AUDIT_LIMIT
    this.#attempts = opts.attempts ?? UPDATE_ATTEMPTS
    this.#lock = { waitMs: 2000, staleMs: 10_000, ...opts.lock }
    this.#now = opts.now ?? Date.now
    this.#side = new FileSideTables(opts.path, this.#lock, this.#now, opts.log)
    this.#doc = doc
    this.#stamp = stamp
    this.#watchers.see(doc.revision)
  }

  /** Opens the store; a missing file is an empty state, a corrupt one is refused (StateCorruptError). */
  static async open (opts: FileStoreOptions): Promise<FileStore> {
    const stamp = await stampOf(opts.path)
    if (stamp === 'absent') return new FileStore(opts, EMPTY, stamp)
    const parsed = parseDocument(await readFile(opts.path, 'utf8'))
    if (!parsed.ok) throw new StateCorruptError(opts.path, parsed.problem)
    return new FileStore(opts, parsed.doc, stamp)
  }

  async load (): Promise<State> {
    await this.#refresh()
    return stateOf(this.#doc)
  }

  watch (onChange: (state: State) => void): () => void {
    if (this.#timer === undefined) {
      const refresh = (): void => { void this.#refresh() }
      this.#timer = setInterval(refresh, this.#resyncMs).unref()
      try {
        this.#dirWatch = watchDir(dirname(this.#path), (_event, name) => { if (name === basename(this.#path)) refresh() })
        this.#dirWatch.on('error', (err) => this.#log.warn({ err, path: this.#path }, 'state file: directory watch failed; polling only'))
        this.#dirWatch.unref()
      } catch (err) {
        this.#log.warn({ err, path: this.#path }, 'state file: cannot watch the directory; polling only')
      }
    }
    return this.#watchers.add(onChange)
  }

  async update<R> (model: string, mutate: Mutation<R>, audit: AuditInput): Promise<UpdateResult<R>> {
    return this.#writes.run(() => compareAndSet<UpdateResult<R>>(model, this.#attempts, async () => {
      await this.#refresh(true)
      if (this.#problem !== undefined) throw new StateUnavailableError('file', this.#problem)
      const base = this.#doc
      const step = applyMutation(stateOf(base), model, mutate, audit, new Date(this.#now()))
      if ('refused' in step) return { conflict: false, value: { applied: false, state: stateOf(base), refusal: step.refused } }
      const next: Document = { ...step.next, audit: [...base.audit, step.entry].slice(-this.#auditLimit) }
      const stamp = await this.#io(() => withLock(`${this.#path}.lock`, this.#lock, async () => {
        // Compare: another process may have written since we read.
        if (await this.#revisionOnDisk() !== base.revision) return undefined
        await replaceFile(this.#path, serialize(next))
        return stampOf(this.#path)
      }))
      if (stamp === undefined) return { conflict: true }
      this.#doc = next
      this.#stamp = stamp
      this.#watchers.see(next.revision)
      return { conflict: false, value: { applied: true, state: stateOf(next), entry: step.entry } }
    }))
  }

  async audit (query: { model?: string; limit: number }): Promise<AuditEntry[]> {
    await this.#refresh()
    return selectAudit(this.#doc.audit, query)
  }

  lease (name: string, holder: string, ttlMs: number): Promise<boolean> {
    return this.#io(() => this.#side.lease(name, holder, ttlMs))
  }

  release (name: string, holder: string): Promise<void> {
    return this.#io(() => this.#side.release(name, holder))
  }

  addCounts (replica: string, key: string, counts: Record<string, number>, ttlMs: number): Promise<void> {
    return this.#io(() => this.#side.addCounts(replica, key, counts, ttlMs))
  }

  sumCounts (key: string): Promise<Record<string, number>> {
    return this.#io(() => this.#side.sumCounts(key))
  }

  health (): StoreHealth {
    if (this.#problem !== undefined) return { up: false, detail: `${this.#problem}; serving the last good state (revision ${this.#doc.revision})`, store: 'file' }
    return { up: true, detail: `${this.#path} (revision ${this.#doc.revision})`, store: 'file' }
  }

  async close (): Promise<void> {
    clearInterval(this.#timer)
    this.#dirWatch?.close()
    this.#watchers.clear()
  }

  /** Re-reads the file when its stamp changed; a corrupt or unreadable file keeps the last good state. */
  async #refresh (writing = false): Promise<void> {
    let stamp: string
    let text: string | undefined
    try {
      stamp = await stampOf(this.#path)
      if (stamp === this.#stamp && await headRevision(this.#path) === this.#doc.revision) return
      text = stamp === 'absent' ? undefined : await readFile(this.#path, 'utf8')
    } catch (err) {
      return this.#fail(`cannot read ${this.#path}: ${(err as Error).message}`)
    }
    // A missing file after a good one (deleted by hand): keep serving what we had; the next write recreates it.
    const parsed = text === undefined ? { ok: true as const, doc: this.#doc } : parseDocument(text)
    if (!parsed.ok) return this.#fail(`state file ${this.#path} is corrupt: ${parsed.problem}`)
    // Our own write in flight (unless this is its read): the update records it; an older read that lost a race with it is stale.
    if ((this.#writes.busy && !writing) || parsed.doc.revision < this.#doc.revision) return
    this.#stamp = stamp
    this.#doc = parsed.doc
    if (this.#problem !== undefined) this.#log.info({ path: this.#path }, 'state file: readable again')
    this.#problem = undefined
    this.#watchers.offer(stateOf(parsed.doc))
  }

  #fail (problem: string): void {
    if (problem !== this.#problem) this.#log.error({ path: this.#path, problem }, 'state file: keeping the last good state')
    this.#problem = problem
  }

  /** File-system failures of a write become StateUnavailableError (nothing was written). */
  async #io<T> (fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      if (err instanceof StateUnavailableError) throw err
      throw new StateUnavailableError('file', (err as Error).message)
    }
  }

  /** The revision of the document on disk now (0 when there is none yet). */
  async #revisionOnDisk (): Promise<number> {
    const head = await headRevision(this.#path)
    if (head !== undefined) return head
    if (await stampOf(this.#path) === 'absent') return 0
    const parsed = parseDocument(await readFile(this.#path, 'utf8'))
    if (!parsed.ok) throw new StateUnavailableError('file', `state file ${this.#path} is corrupt: ${parsed.problem}`)
    return parsed.doc.revision
  }
}

/** Revision first, so headRevision can read it from the first bytes. */
function serialize (doc: Document): string {
  return JSON.stringify({ revision: doc.revision, models: doc.models, audit: doc.audit })
}

function stateOf (doc: Document): State {
  return JSON.parse(JSON.stringify({ revision: doc.revision, models: doc.models })) as State
}
