/**
 * Leases and count reports of the file store, in a second file beside the state (`<path>.shared.json`),
 * so a lease renewal every few seconds neither rewrites the audit log nor bumps the revision. Same
 * discipline as the state: read-modify-replace under a lock file, so processes on one machine share
 * leases for real. Both tables expire by the clock given; a corrupt side file is logged and reset
 * (its content is short-lived by nature: leases are re-taken, counts re-reported).
 */
import { readFile } from 'node:fs/promises'
import type { Logger } from 'pino'
import { sumReports } from './core.js'
import { replaceFile, withLock, type LockOptions } from './file-io.js'

interface Side {
  leases: Record<string, { holder: string; expiresAt: number }>
  counts: Record<string, Record<string, { counts: Record<string, number>; expiresAt: number }>>
}

export class FileSideTables {
  readonly #path: string
  readonly #lockPath: string

  constructor (statePath: string, readonly lock: LockOptions, readonly now: () => number, readonly log: Logger) {
    this.#path = `${statePath}.shared.json`
    this.#lockPath = `${statePath}.shared.lock`
  }

  async lease (name: string, holder: string, ttlMs: number): Promise<boolean> {
    return this.#change((side, now) => {
      const current = side.leases[name]
      if (current !== undefined && current.expiresAt > now && current.holder !== holder) return false
      side.leases[name] = { holder, expiresAt: now + ttlMs }
      return true
    })
  }

  async release (name: string, holder: string): Promise<void> {
    await this.#change((side) => {
      if (side.leases[name]?.holder === holder) delete side.leases[name]
    })
  }

  async addCounts (replica: string, key: string, counts: Record<string, number>, ttlMs: number): Promise<void> {
    await this.#change((side, now) => {
      side.counts[key] = { ...side.counts[key], [replica]: { counts: { ...counts }, expiresAt: now + ttlMs } }
    })
  }

  async sumCounts (key: string): Promise<Record<string, number>> {
    const now = this.now()
    const reports = Object.values((await this.#read()).counts[key] ?? {})
    return sumReports(reports.filter((r) => r.expiresAt > now).map((r) => r.counts))
  }

  /** Read, drop what expired, let `fn` change it, replace; all under the side lock. */
  async #change<T> (fn: (side: Side, now: number) => T): Promise<T> {
    return withLock(this.#lockPath, this.lock, async () => {
      const side = await this.#read()
      const now = this.now()
      for (const [name, lease] of Object.entries(side.leases)) if (lease.expiresAt <= now) delete side.leases[name]
      for (const reports of Object.values(side.counts)) {
        for (const [replica, report] of Object.entries(reports)) if (report.expiresAt <= now) delete reports[replica]
      }
      const result = fn(side, now)
      await replaceFile(this.#path, JSON.stringify(side))
      return result
    })
  }

  async #read (): Promise<Side> {
    let text: string
    try {
      text = await readFile(this.#path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { leases: {}, counts: {} }
      throw err
    }
    try {
      const side = JSON.parse(text) as Partial<Side>
      if (typeof side.leases === 'object' && side.leases !== null && typeof side.counts === 'object' && side.counts !== null) return side as Side
      throw new Error('expected {"leases": {...}, "counts": {...}}')
    } catch (err) {
      this.log.error({ path: this.#path, problem: (err as Error).message }, 'state side file is corrupt: starting it afresh (leases and counts are re-reported)')
      return { leases: {}, counts: {} }
    }
  }
}
