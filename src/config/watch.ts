/**
 * Watch the config file and hand every valid new version to `apply`; refuse an invalid one (the
 * last good config keeps serving). The directory is watched, not the file, because editors and
 * ConfigMap updates replace the file (rename) rather than write into it.
 */
import { watch, type FSWatcher } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, dirname, resolve } from 'node:path'
import { parseConfig, type LoadResult } from './load.js'

export interface WatchOptions {
  file: string
  /** Called with each new valid config (not called when the text did not change). */
  apply (result: Extract<LoadResult, { ok: true }>): void
  /** Called with each refused change. */
  refuse (result: Extract<LoadResult, { ok: false }>): void
  debounceMs?: number
}

export function watchConfig (opts: WatchOptions): { close (): void; check (): Promise<void> } {
  const file = resolve(opts.file)
  let lastText: string | undefined
  let timer: NodeJS.Timeout | undefined
  let watcher: FSWatcher | undefined

  async function check (): Promise<void> {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (err) {
      // Mid-replace the file may be briefly missing; a later event will bring it back.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
      opts.refuse({ ok: false, file, problems: [`cannot read config: ${(err as Error).message}`] })
      return
    }
    if (text === lastText) return
    lastText = text
    const result = parseConfig(text, dirname(file), file)
    if (result.ok) opts.apply(result)
    else opts.refuse(result)
  }

  // Remember the text at start so that the first event only fires on a real change.
  void readFile(file, 'utf8').then((t) => { lastText ??= t }, () => {})
  watcher = watch(dirname(file), { persistent: false }, (_event, name) => {
    if (name !== null && name !== basename(file) && !name.startsWith('..')) return
    clearTimeout(timer)
    timer = setTimeout(() => { void check() }, opts.debounceMs ?? 100)
  })

  return {
    check,
    close () {
      clearTimeout(timer)
      watcher?.close()
      watcher = undefined
    }
  }
}
