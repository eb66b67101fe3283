/**
 * Watch the config file and hand every valid new version to `apply`; refuse an invalid one (the
 * last good config keeps serving). The directory is watched, not the file, because editors and
 * ConfigMap updates replace the file (rename) rather than write into it.
 *
 * A file is applied only once it is stable: read, read again `settleMs` later, and only when both
 * reads are the same text. A writer that truncates the file and writes it in several steps (a shell
 * redirect, a copy over the network) would otherwise have its first half applied; if that half is a
 * valid config without some model, the model answers 404 until the rest arrives. A file still
 * changing after `maxSettleMs` is refused for now (the next change event tries again). A writer that
 * pauses longer than `settleMs` between its writes must write a temporary file and rename it over
 * the config (atomic, as Kubernetes ConfigMap volumes do).
 */
import { readFileSync, watch, type FSWatcher } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, dirname, resolve } from 'node:path'
import { parseConfig, type LoadResult } from './load.js'

export interface WatchOptions {
  file: string
  /** Called with each new valid config (not called when the text did not change). */
  apply (result: Extract<LoadResult, { ok: true }>): void
  /** Called with each refused change. */
  refuse (result: Extract<LoadResult, { ok: false }>): void
  /** Quiet time after the last change event before the file is read. Default 100 ms. */
  debounceMs?: number
  /** The file must read the same twice this far apart to be applied. Default 500 ms. */
  settleMs?: number
  /** Bound on waiting for a stable file. Default 10 000 ms. */
  maxSettleMs?: number
}

export function watchConfig (opts: WatchOptions): { close (): void; check (): Promise<void> } {
  const file = resolve(opts.file)
  const settleMs = opts.settleMs ?? 500
  const maxSettleMs = opts.maxSettleMs ?? 10_000
  let lastText: string | undefined
  let timer: NodeJS.Timeout | undefined
  let watcher: FSWatcher | undefined
  let running: Promise<void> | undefined
  let again = false
  let closed = false

  /** The text, undefined while the file is missing (mid-replace; a later event brings it back), or an error. */
  async function read (): Promise<string | undefined | Error> {
    try {
      return await readFile(file, 'utf8')
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : err as Error
    }
  }

  async function settleAndApply (): Promise<void> {
    const deadline = Date.now() + maxSettleMs
    let text = await read()
    for (;;) {
      if (closed || text === undefined) return
      if (text instanceof Error) {
        opts.refuse({ ok: false, file, problems: [`cannot read config: ${text.message}`] })
        return
      }
      if (text === lastText) return
      await new Promise((resolve) => setTimeout(resolve, settleMs).unref())
      const next = await read()
      if (next === text) break
      if (Date.now() >= deadline) {
        opts.refuse({ ok: false, file, problems: [`config file still changing after ${maxSettleMs} ms; not applied (write a temporary file and rename it over the config)`] })
        return
      }
      text = next
    }
    if (closed) return
    lastText = text
    const result = parseConfig(text, dirname(file), file)
    if (result.ok) opts.apply(result)
    else opts.refuse(result)
  }

  /** One settle at a time; an event during one runs another after it (which returns at once if nothing changed). */
  function check (): Promise<void> {
    if (running !== undefined) {
      again = true
      return running
    }
    running = settleAndApply().finally(() => {
      running = undefined
      if (again && !closed) {
        again = false
        void check()
      }
    })
    return running
  }

  // The text at start (read synchronously, before any event can arrive), so that only a real change applies.
  try { lastText = readFileSync(file, 'utf8') } catch { /* missing now: the first event that brings it back applies it */ }
  watcher = watch(dirname(file), { persistent: false }, (_event, name) => {
    if (name !== null && name !== basename(file) && !name.startsWith('..')) return
    clearTimeout(timer)
    timer = setTimeout(() => { void check() }, opts.debounceMs ?? 100)
  })

  return {
    check,
    close () {
      closed = true
      clearTimeout(timer)
      watcher?.close()
      watcher = undefined
    }
  }
}
