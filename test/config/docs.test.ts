/**
 * docs/config.md's field table is generated from the schema and must not drift from it.
 * To refresh the committed table: HEADLINER_WRITE_DOCS=1 npx vitest run test/config/docs.test.ts
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it, expect } from 'vitest'
import { z } from 'zod'
import { configFieldRows, renderConfigTable, replaceConfigTable, TABLE_BEGIN, TABLE_END } from '../../src/config/docs.js'

const DOC = resolve(dirname(fileURLToPath(import.meta.url)), '../../docs/config.md')

describe('docs/config.md field table', () => {
  it('equals the table rendered from the schema', () => {
    const committed = readFileSync(DOC, 'utf8')
    const fresh = replaceConfigTable(committed, renderConfigTable())
    if (fresh !== committed && process.env.HEADLINER_WRITE_DOCS === '1') writeFileSync(DOC, fresh)
    const now = readFileSync(DOC, 'utf8')
    expect(now, `${DOC} is out of date with src/config/schema.ts; run: HEADLINER_WRITE_DOCS=1 npx vitest run test/config/docs.test.ts`).toBe(fresh)
  })
})

describe('configFieldRows', () => {
  const rows = configFieldRows()
  const row = (path: string) => rows.filter((r) => r.path === path)

  it('gives every field a meaning (a field without .describe() fails here)', () => {
    expect(rows.filter((r) => r.meaning.replace(/^(\(\w+ `\w+`\) )+/, '').trim() === '').map((r) => r.path)).toEqual([])
  })

  it('lists each path once, except a field shared by two kinds of a union', () => {
    const seen = rows.map((r) => r.path)
    const repeated = seen.filter((p, i) => seen.indexOf(p) !== i)
    expect(repeated).toEqual(['models.<model>.shadow.agreement.max'])
  })

  it('shows defaults as written in YAML, and marks required fields', () => {
    expect(row('server.port')).toEqual([{ path: 'server.port', type: 'integer, 0 to 65535', default: '`8080`', meaning: 'Data-plane port. Default 8080.' }])
    expect(row('models.<model>.versionHeader')[0]?.default).toBe('`x-headliner-version`')
    expect(row('state')[0]?.default).toBe('`{ store: file, path: ./headliner-state.json }`')
    expect(row('server')[0]?.default).toBe("fields' defaults")
    expect(row('models.<model>.versions.<version>.url')[0]?.default).toBe('**required**')
    expect(row('models.<model>.salt')[0]?.default).toBe('—')
    expect(row('schemaVersion')[0]?.type).toBe('`1`')
    expect(row('models.<model>.drift.minSamples')[0]?.type).toBe('integer >= 1')
  })

  it('documents a discriminated union: the discriminator, then each kind\'s fields marked with their kind', () => {
    expect(row('state.store')).toEqual([{
      path: 'state.store',
      type: '`file` or `redis`',
      default: '`file`',
      meaning: '`file`: A JSON file: one machine. `redis`: Redis: several replicas agree within a second.'
    }])
    expect(row('state.url')).toEqual([{ path: 'state.url', type: 'string', default: '**required**', meaning: '(store `redis`) Redis URL (redis:// or rediss://).' }])
    expect(row('models.<model>.shadow.agreement.max').map((r) => /^\(kind `(\w+)`\)/.exec(r.meaning)?.[1])).toEqual(['js', 'maxAbs'])
  })

  it('renders a small schema to the exact table, escaping | in cells', () => {
    const schema = z.strictObject({
      a: z.number().int().min(1).default(3).describe('A | B.'),
      m: z.record(z.string(), z.strictObject({ on: z.boolean().describe('Switch.') })).describe('By name.')
    })
    expect(renderConfigTable(schema)).toBe([
      '| Field | Type | Default | Meaning |',
      '| --- | --- | --- | --- |',
      '| `a` | integer >= 1 | `3` | A \\| B. |',
      '| `m` | map | **required** | By name. |',
      '| `m.<m>` | object | — |  |',
      '| `m.<m>.on` | boolean | **required** | Switch. |'
    ].join('\n'))
  })
})

describe('replaceConfigTable', () => {
  it('replaces only what lies between the markers', () => {
    const doc = `# Title\n\n${TABLE_BEGIN}\nold table\n${TABLE_END}\n\nafter\n`
    expect(replaceConfigTable(doc, '| new |')).toBe(`# Title\n\n${TABLE_BEGIN}\n\n| new |\n\n${TABLE_END}\n\nafter\n`)
  })

  it('refuses a document without the markers', () => {
    expect(() => replaceConfigTable('# no markers\n', 'x')).toThrow(/needs the markers/)
  })
})
