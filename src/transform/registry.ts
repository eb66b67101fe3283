/**
 * Loads the transforms a config names, before the config is swapped in: a config whose transform
 * does not load is refused as a whole, like any other invalid change. A transform none of whose
 * files changed (the spec, its labels file and its custom module: same size and mtime) is not
 * loaded again.
 */
import { stat } from 'node:fs/promises'
import type { Config } from '../config/schema.js'
import { loadTransform, transformFiles } from './load.js'
import type { Transform } from './types.js'

export type TransformTable = ReadonlyMap<string, Transform>

interface Entry { files: readonly string[]; stamp: string; transform: Transform }

export class TransformRegistry {
  #cache = new Map<string, Entry>()

  /** Load every transform of `config`; throws (TransformLoadError) with all problems of the first bad spec. */
  async load (config: Config): Promise<TransformTable> {
    const paths = new Set<string>()
    for (const model of Object.values(config.models)) {
      for (const version of Object.values(model.versions)) if (version.transform !== undefined) paths.add(version.transform)
    }
    const next = new Map<string, Entry>()
    for (const path of paths) {
      const cached = this.#cache.get(path)
      if (cached !== undefined && await stampOf(cached.files) === cached.stamp) {
        next.set(path, cached)
        continue
      }
      const transform = await loadTransform(path)
      const files = transformFiles(transform)
      next.set(path, { files, stamp: await stampOf(files), transform })
    }
    this.#cache = next
    return new Map([...next].map(([path, entry]) => [path, entry.transform]))
  }
}

async function stampOf (files: readonly string[]): Promise<string> {
  const parts: string[] = []
  for (const file of files) {
    const s = await stat(file).catch(() => undefined)
    parts.push(s === undefined ? 'missing' : `${s.size}:${s.mtimeMs}`)
  }
  return parts.join('|')
}
