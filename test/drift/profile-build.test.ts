import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { parseCsv, parseJsonl, profileBuild, toTrainingData } from '../../src/cli/profile-build.js'
import { parseProfile } from '../../src/drift/profile.js'

const NOW = new Date('2025-01-31T12:00:00.000Z')

/** A stream that keeps what is written to it. */
function sink (): Writable & { text: () => string } {
  const chunks: Buffer[] = []
  const out = new Writable({ write (chunk: Buffer, _enc, cb) { chunks.push(Buffer.from(chunk)); cb() } })
  return Object.assign(out, { text: () => Buffer.concat(chunks).toString('utf8') })
}

describe('parseCsv', () => {
  it('reads a header and records, with quoted fields, CRLF, a BOM and blank lines', () => {
    const text = '\uFEFFtitle,tempo, mode\r\n"Dancing, Queen",100.5,1\r\n\r\n"Say ""Hi""",90,0\r\n'
    expect(parseCsv(text, 'songs.csv')).toEqual({
      columns: ['title', 'tempo', 'mode'],
      rows: [
        { line: 2, fields: { title: 'Dancing, Queen', tempo: '100.5', mode: '1' } },
        { line: 4, fields: { title: 'Say "Hi"', tempo: '90', mode: '0' } }
      ]
    })
  })

  it('keeps empty fields, including a trailing one', () => {
    expect(parseCsv('a,b,c\n1,,\n', 'x.csv').rows[0]!.fields).toEqual({ a: '1', b: '', c: '' })
  })

  it('names the file and line of malformed records', () => {
    expect(() => parseCsv('a,b\n1,2\n1,2,3\n', 'songs.csv')).toThrow('songs.csv:3: expected 2 fields like the header, got 3')
    expect(() => parseCsv('a,b\n"1,2\n', 'songs.csv')).toThrow('songs.csv:2: unterminated quoted field (quoted fields cannot span lines)')
    expect(() => parseCsv('a,b\n"1"x,2\n', 'songs.csv')).toThrow('songs.csv:2: unexpected text after a closing quote at column 4')
    expect(() => parseCsv('a,b,a\n', 'songs.csv')).toThrow('songs.csv:1: column "a" appears twice in the header')
  })
})

describe('parseJsonl', () => {
  it('reads one object per line, skipping blank lines', () => {
    const table = parseJsonl('{"tempo":120,"top_country":"SE"}\n\n{"tempo":90,"top_country":"US"}\n', 'songs.jsonl')
    expect(table.columns).toEqual(['tempo', 'top_country'])
    expect(table.rows.map((r) => r.line)).toEqual([1, 3])
  })

  it('names the line of bad JSON or a non-object', () => {
    expect(() => parseJsonl('{"tempo":1}\n{"tempo":\n', 'songs.jsonl')).toThrow(/^songs\.jsonl:2: not valid JSON: /)
    expect(() => parseJsonl('[1,2]\n', 'songs.jsonl')).toThrow('songs.jsonl:1: must be a JSON object of named features')
  })
})

describe('toTrainingData', () => {
  it('defaults to the numeric columns and reads the predicted class column', () => {
    const table = parseCsv('title,tempo,mode,top_country\nA,120,1,SE\nB,90,0,US\n', 'songs.csv')
    expect(toTrainingData(table, 'songs.csv')).toEqual({
      features: ['tempo', 'mode'],
      rows: [{ tempo: 120, mode: 1 }, { tempo: 90, mode: 0 }],
      predictions: ['SE', 'US']
    })
  })

  it('names the file and line of a value that is not a number', () => {
    const lines = ['tempo,mode', ...Array.from({ length: 15 }, (_, i) => `${100 + i},1`), 'fast,1']
    expect(() => toTrainingData(parseCsv(lines.join('\n'), 'songs.csv'), 'songs.csv')).toThrow('songs.csv:17: tempo is not a number (got "fast")')
    const jsonl = parseJsonl('{"tempo":1}\n{"tempo":null}\n{"mode":1}\n', 'songs.jsonl')
    expect(() => toTrainingData(jsonl, 'songs.jsonl')).toThrow('songs.jsonl:2: tempo is not a number (got null)')
    expect(() => toTrainingData(jsonl, 'songs.jsonl', ['mode'])).toThrow('songs.jsonl:1: mode is missing')
  })

  it('requires a class on every line once the column exists', () => {
    const jsonl = parseJsonl('{"tempo":1,"prediction":"SE"}\n{"tempo":2}\n', 'songs.jsonl')
    expect(() => toTrainingData(jsonl, 'songs.jsonl')).toThrow('songs.jsonl:2: prediction must be a class code like "SE" (got nothing)')
  })

  it('refuses a file with no data or nothing numeric', () => {
    expect(() => toTrainingData(parseCsv('tempo\n', 'songs.csv'), 'songs.csv')).toThrow('songs.csv: has no data rows')
    expect(() => toTrainingData(parseCsv('title\nA\n', 'songs.csv'), 'songs.csv')).toThrow('songs.csv: no numeric columns to profile (columns: title)')
  })
})

describe('profileBuild', () => {
  let dir = ''
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'headliner-profile-build-')) })
  afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

  it('writes a valid profile from a CSV file', async () => {
    // tempo 1..20 -> quartile edges at ranks 5, 10, 15 = 5, 10, 15; mode: 5 zeros, 15 ones -> edge [0]
    const csv = ['title,tempo,mode', ...Array.from({ length: 20 }, (_, i) => `"Song ${i}",${i + 1},${i < 5 ? 0 : 1}`)].join('\n')
    const input = join(dir, 'songs.csv')
    writeFileSync(input, csv)
    const out = sink()
    await profileBuild({ input, model: 'hit-predictor', bins: 4, now: NOW }, out)
    const profile = parseProfile(JSON.parse(out.text()), 'stdout')
    expect(profile).toEqual({
      schemaVersion: 1,
      model: 'hit-predictor',
      createdAt: '2025-01-31T12:00:00.000Z',
      samples: 20,
      features: {
        tempo: { edges: [5, 10, 15], proportions: [0.25, 0.25, 0.25, 0.25] },
        mode: { edges: [0], proportions: [0.25, 0.75] }
      }
    })
    expect(out.text().endsWith('}\n')).toBe(true)
  })

  it('writes prediction shares from a JSONL file, for the chosen features', async () => {
    const input = join(dir, 'songs.jsonl')
    writeFileSync(input, ['SE', 'SE', 'US', 'SE'].map((c, i) => JSON.stringify({ tempo: 100 + i, energy: i / 4, top_country: c })).join('\n'))
    const out = sink()
    await profileBuild({ input, model: 'm', bins: 2, features: ['energy'], now: NOW }, out)
    const profile = JSON.parse(out.text())
    expect(Object.keys(profile.features)).toEqual(['energy'])
    // energy 0, .25, .5, .75: median rank 2 -> edge .25 -> 2 / 2
    expect(profile.features.energy).toEqual({ edges: [0.25], proportions: [0.5, 0.5] })
    expect(profile.prediction).toEqual({ classes: { SE: 0.75, US: 0.25 } })
  })

  it('refuses bad arguments and unreadable input, naming the file', async () => {
    const out = sink()
    await expect(profileBuild({ input: 'songs.csv', model: 'm', bins: 1 }, out)).rejects.toThrow('--bins must be an integer from 2 to 1000 (got 1)')
    await expect(profileBuild({ input: 'songs.parquet', model: 'm', bins: 10 }, out)).rejects.toThrow('songs.parquet: unknown input format ".parquet"; use .jsonl or .csv')
    await expect(profileBuild({ input: join(dir, 'missing.csv'), model: 'm', bins: 10 }, out)).rejects.toThrow(/missing\.csv: cannot read: ENOENT/)
    expect(out.text()).toBe('')
  })
})
