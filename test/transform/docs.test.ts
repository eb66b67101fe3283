import { describe, it, expect } from 'vitest'
import { readFileSync } from 'node:fs'
import { specFieldsMarkdown } from '../../src/transform/fields-table.js'

const START = '<!-- fields:start (generated from src/transform/spec.ts by specFieldsMarkdown) -->'
const END = '<!-- fields:end -->'

describe('docs/transforms.md', () => {
  it('has the field table the schema generates, so docs and validator cannot drift', () => {
    const doc = readFileSync('docs/transforms.md', 'utf8')
    const from = doc.indexOf(START)
    const to = doc.indexOf(END)
    expect(from).toBeGreaterThan(-1)
    expect(to).toBeGreaterThan(from)
    // On failure: paste the "expected" table below between the markers.
    expect(doc.slice(from + START.length, to).trim()).toBe(specFieldsMarkdown())
  })

  it('lists a row for every field, with its default', () => {
    const table = specFieldsMarkdown()
    expect(table).toContain('| `features[].exclusiveMin` | boolean | `false` |')
    expect(table).toContain('| `output.top` | integer >= 1 | `5` |')
    expect(table).toContain('| `limits.maxInstances` | integer 1 to 100000 | `1024` |')
    // schemaVersion, description, 8 under model, 13 under features, 5 under output, 2 under limits, custom
    expect(table.split('\n')).toHaveLength(2 + 31)
  })
})
