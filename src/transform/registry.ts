/**
 * Loads the transforms a config names, before the config is swapped in: a config whose transform
 * does not load is refused as a whole, like any other invalid change. A spec file that did not change
 * (same path, size and mtime) is not loaded again.
 */
import { stat } from 'node:fs/promises'
import type { Config } from '../config/schema.js'
import { loadTransform } from './load.js'
import type { Transform } from './types.js'

export type TransformTable = ReadonlyMap<string, Transform>

export class TransformRegistry {
  #cache = new Map<string, { stamp: string; transform: Transform }>()

  /** Load every transform of `config`; throws (TransformLoadError) with all problems of the first bad spec. */
  async load (config: Config): Promise<TransformTable> {
    const paths = new Set<string>()
    for (const model of Object.values(config.models)) {
      for (const version of Object.values(model.versions)) if (version.transform !== undefined) paths.add(version.transform)
    }
    const next = new Map<string, { stamp: string; transform: Transform }>()
    for (const path of paths) {
      const s = await stat(path)
      const stamp = `${s.size}:${s.mtimeMs}`
      const cached = this.#cache.get(path)
      next.set(path, cached?.stamp === stamp ? cached : { stamp, transform: await loadTransform(path) })
    }
    this.#cache = next
    return new Map([...next].map(([path, entry]) => [path, entry.transform]))
  }
}
