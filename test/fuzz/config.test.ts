import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { parse, stringify } from 'yaml'
import { parseConfig } from '../../src/config/load.js'
import { mutate, mutateText, structuralOps, textOps } from './mutate.js'

// The config loader with mutated YAML: a valid config or a list of problems, each a non-empty line
// that names where; never a throw (the file watcher and `config check` run exactly this). Seeded.
const FILE = resolve('examples/hit-predictor.yaml')
const TEXT = readFileSync(FILE, 'utf8')
const BASE = dirname(FILE)

function holds (text: string): boolean {
  const r = parseConfig(text, BASE, FILE)
  if (r.ok) return typeof r.config.models === 'object'
  return r.problems.length > 0 && r.problems.every((p) => typeof p === 'string' && p.trim().length > 0)
}

describe('fuzz: config loader', () => {
  it('the example parses as it is', () => {
    expect(parseConfig(TEXT, BASE, FILE).ok).toBe(true)
  })

  it('text mutations of the example YAML give a config or problems, never a throw', () => {
    fc.assert(fc.property(textOps, (ops) => holds(mutateText(TEXT, ops))), { seed: 1409, numRuns: 300 })
  })

  it('structural mutations of the example config give a config or problems, never a throw', () => {
    const doc = parse(TEXT) as unknown
    let refused = 0
    fc.assert(fc.property(structuralOps, (ops) => {
      const text = stringify(mutate(doc, ops))
      if (!parseConfig(text, BASE, FILE).ok) refused++
      return holds(text)
    }), { seed: 1410, numRuns: 300 })
    expect(refused).toBeGreaterThan(0)
  })
})
