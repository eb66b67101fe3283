/**
 * docs/errors.md is generated from the catalogue in src/errors.ts and must not drift from it, and
 * every HEADLINER_ERR_* code in src/ comes from the catalogue.
 * To refresh the committed file: npm run docs
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { errors, renderErrorsTable } from '../src/errors.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const DOC = join(ROOT, 'docs/errors.md')
const BEGIN = '<!-- errors:begin (generated from src/errors.ts) -->'
const END = '<!-- errors:end -->'

function sources (dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : []
  })
}

describe('docs/errors.md', () => {
  it('holds the table rendered from the catalogue', () => {
    const committed = readFileSync(DOC, 'utf8')
    const a = committed.indexOf(BEGIN)
    const b = committed.indexOf(END)
    expect(a, `${DOC} lacks the ${BEGIN} marker`).toBeGreaterThanOrEqual(0)
    const fresh = committed.slice(0, a + BEGIN.length) + '\n' + renderErrorsTable() + '\n' + committed.slice(b)
    if (fresh !== committed && process.env.HEADLINER_WRITE_DOCS === '1') writeFileSync(DOC, fresh)
    expect(readFileSync(DOC, 'utf8'), `${DOC} is out of date with src/errors.ts; run: npm run docs`).toBe(fresh)
  })
})

describe('the catalogue', () => {
  const codes = new Set(Object.values(errors).map((e) => e.code))

  it('has one entry per code, each with a status and a meaning', () => {
    expect(codes.size).toBe(Object.keys(errors).length)
    for (const e of Object.values(errors)) {
      expect(e.code).toMatch(/^HEADLINER_ERR_[A-Z_]+$/)
      expect(e.statusCode).toBeGreaterThanOrEqual(400)
      expect(e.meaning.length).toBeGreaterThan(10)
    }
  })

  it('defines every HEADLINER_ERR_* code written anywhere in src/ (none is spelled out elsewhere)', () => {
    const outside: string[] = []
    for (const file of sources(join(ROOT, 'src'))) {
      if (file.endsWith(join('src', 'errors.ts'))) continue
      for (const m of readFileSync(file, 'utf8').matchAll(/HEADLINER_ERR_[A-Z_]+/g)) outside.push(`${file.slice(ROOT.length + 1)}: ${m[0]}`)
    }
    // Doc comments may name a code; it must still be one of the catalogue's.
    expect(outside.filter((line) => !codes.has(line.split(': ')[1]!))).toEqual([])
  })

  it('makes errors that carry the entry\'s code and status', () => {
    const e = errors.upstreamTimeout('m', 'v1', 200)
    expect([e.code, e.statusCode, e.message]).toEqual(['HEADLINER_ERR_UPSTREAM_TIMEOUT', 504, 'upstream for m/v1 did not answer within 200 ms'])
    expect(errors.upstreamTimeout.code).toBe(e.code)
  })
})
