/**
 * `headliner profile build`: reads training data (`.jsonl` or `.csv`) and writes a reference profile
 * (see src/drift/profile.ts and docs/drift.md). Every data error names the file and line.
 */
import { readFile } from 'node:fs/promises'
import { extname } from 'node:path'
import { buildProfile, profileError } from '../drift/profile.js'
import { readLabelCodes, scoreRows } from './profile-score.js'

/** One data record and the 1-based line it came from. */
export interface TableRow {
  line: number
  /** Column -> value: strings for CSV, parsed JSON values for JSONL. */
  fields: Record<string, unknown>
}

/** A parsed input file: column names (CSV header, or the first JSONL object's keys) and records. */
export interface Table {
  columns: string[]
  rows: TableRow[]
}

/** Columns that carry a row's top-1 class instead of a feature, in order of preference. */
export const PREDICTION_COLUMNS: readonly string[] = ['prediction', 'top_country']

const fail = (message: string): never => { throw profileError([message]) }

/** Splits one CSV line: comma separated, `"quoted, fields"` with `""` for a quote; no line breaks inside quotes. */
function splitCsvLine (line: string, where: string): string[] {
  const fields: string[] = []
  let i = 0
  for (;;) {
    if (line[i] === '"') {
      let value = ''
      i++
      for (;;) {
        const q = line.indexOf('"', i)
        if (q < 0) fail(`${where}: unterminated quoted field (quoted fields cannot span lines)`)
        value += line.slice(i, q)
        if (line[q + 1] === '"') { value += '"'; i = q + 2 } else { i = q + 1; break }
      }
      if (i < line.length && line[i] !== ',') fail(`${where}: unexpected text after a closing quote at column ${i + 1}`)
      fields.push(value)
    } else {
      const comma = line.indexOf(',', i)
      const end = comma < 0 ? line.length : comma
      fields.push(line.slice(i, end))
      i = end
    }
    if (i >= line.length) return fields
    i++ // skip the comma; a trailing comma yields one more empty field
    if (i === line.length) { fields.push(''); return fields }
  }
}

function lines (text: string): string[] {
  return text.replace(/^\uFEFF/, '').split(/\r?\n/)
}

/**
 * Parses simple CSV: a header row, then one record per line; blank lines are skipped.
 *
 * @throws HeadlinerError `file:line: ...` for a wrong field count, a bad quote or a duplicate column
 */
export function parseCsv (text: string, file: string): Table {
  let columns: string[] | undefined
  const rows: TableRow[] = []
  lines(text).forEach((raw, i) => {
    if (raw.trim() === '') return
    const where = `${file}:${i + 1}`
    const fields = splitCsvLine(raw, where)
    if (columns === undefined) {
      columns = fields.map((c) => c.trim())
      const dup = columns.find((c, k) => columns?.indexOf(c) !== k)
      if (dup !== undefined) fail(`${where}: column "${dup}" appears twice in the header`)
      return
    }
    if (fields.length !== columns.length) fail(`${where}: expected ${columns.length} fields like the header, got ${fields.length}`)
    const record: Record<string, unknown> = {}
    columns.forEach((c, k) => { record[c] = fields[k] })
    rows.push({ line: i + 1, fields: record })
  })
  return { columns: columns ?? [], rows }
}

/**
 * Parses JSON Lines: one JSON object per line; blank lines are skipped.
 *
 * @throws HeadlinerError `file:line: ...` for invalid JSON or a line that is not an object
 */
export function parseJsonl (text: string, file: string): Table {
  const rows: TableRow[] = []
  lines(text).forEach((raw, i) => {
    if (raw.trim() === '') return
    let value: unknown
    try {
      value = JSON.parse(raw)
    } catch (err) {
      fail(`${file}:${i + 1}: not valid JSON: ${(err as Error).message}`)
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${file}:${i + 1}: must be a JSON object of named features`)
    rows.push({ line: i + 1, fields: value as Record<string, unknown> })
  })
  return { columns: rows.length === 0 ? [] : Object.keys(rows[0]?.fields ?? {}), rows }
}

/** A finite number from a JSON number or a numeric string (CSV cells are strings); otherwise undefined. */
function toNumber (v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined
  if (typeof v !== 'string' || v.trim() === '') return undefined
  const n = Number(v)
  return Number.isFinite(n) ? n : undefined
}

/** Training data ready for `buildProfile`. */
export interface TrainingData {
  features: string[]
  rows: Record<string, number>[]
  /** Present when the table has a `prediction` or `top_country` column. */
  predictions?: string[]
}

/**
 * Picks the features (default: every column numeric in the first record, minus the prediction
 * column) and checks every record, naming the line of the first bad value.
 */
export function toTrainingData (table: Table, file: string, features?: string[]): TrainingData {
  const first = table.rows[0] ?? fail(`${file}: has no data rows`)
  const classColumn = PREDICTION_COLUMNS.find((c) => table.columns.includes(c))
  const names = features ?? table.columns.filter((c) => !PREDICTION_COLUMNS.includes(c) && toNumber(first.fields[c]) !== undefined)
  if (names.length === 0 && classColumn === undefined) fail(`${file}: no numeric columns to profile (columns: ${table.columns.join(', ')})`)
  const rows: Record<string, number>[] = []
  const predictions: string[] = []
  for (const { line, fields } of table.rows) {
    const row: Record<string, number> = {}
    for (const name of names) {
      const raw = fields[name]
      if (raw === undefined) fail(`${file}:${line}: ${name} is missing`)
      const n = toNumber(raw) ?? fail(`${file}:${line}: ${name} is not a number (got ${JSON.stringify(raw)})`)
      row[name] = n
    }
    rows.push(row)
    if (classColumn !== undefined) {
      const c = fields[classColumn]
      if (typeof c !== 'string' || c.trim() === '') fail(`${file}:${line}: ${classColumn} must be a class code like "SE" (got ${JSON.stringify(c) ?? 'nothing'})`)
      predictions.push((c as string).trim())
    }
  }
  return { features: names, rows, ...(classColumn === undefined ? {} : { predictions }) }
}

/** Arguments of {@link profileBuild}, as the CLI parses them. */
export interface ProfileBuildArgs {
  /** `.jsonl`/`.ndjson` or `.csv` file of training rows. */
  input: string
  model: string
  /** Bins to aim for per feature, 2..1000. */
  bins: number
  /** Features to profile; default every numeric column. */
  features?: string[]
  /** Creation time written in the profile; default now. */
  now?: Date
  /** Score the rows with this model server when the file carries no predictions (needs `labels`). */
  scoreUrl?: string
  /** Labels file for scoring: output column i is label i. */
  labels?: string
}

/**
 * Builds a reference profile from a training file and writes it as JSON to `out`.
 *
 * @throws HeadlinerError `HEADLINER_ERR_PROFILE` naming the file (and line) on bad arguments or data
 * @example await profileBuild({ input: 'songs.csv', model: 'hit-predictor', bins: 10 }, process.stdout)
 */
export async function profileBuild (args: ProfileBuildArgs, out: NodeJS.WritableStream): Promise<void> {
  if (!Number.isInteger(args.bins) || args.bins < 2 || args.bins > 1000) fail(`--bins must be an integer from 2 to 1000 (got ${args.bins})`)
  const ext = extname(args.input).toLowerCase()
  const parse = ext === '.csv' ? parseCsv : ext === '.jsonl' || ext === '.ndjson' ? parseJsonl : fail(`${args.input}: unknown input format "${ext}"; use .jsonl or .csv`)
  let text: string
  try {
    text = await readFile(args.input, 'utf8')
  } catch (err) {
    return fail(`${args.input}: cannot read: ${(err as Error).message}`)
  }
  const data = toTrainingData(parse(text, args.input), args.input, args.features)
  if (data.predictions === undefined && args.scoreUrl !== undefined) {
    if (args.labels === undefined) fail('--score needs --labels FILE (the model\'s output labels, in column order)')
    data.predictions = await scoreRows({ url: args.scoreUrl, model: args.model, labels: args.labels!, features: data.features, rows: data.rows })
  }
  const labels = args.labels === undefined ? undefined : await readLabelCodes(args.labels)
  if (labels !== undefined) checkLabels(labels, data.predictions, args)
  const profile = buildProfile(data.rows, {
    model: args.model,
    bins: args.bins,
    features: data.features,
    ...(data.predictions === undefined ? {} : { predictions: data.predictions }),
    // the model's output columns in order: live drift maps columns to classes by these, never sorted
    ...(labels === undefined ? {} : { labels }),
    now: args.now ?? new Date()
  })
  const json = JSON.stringify(profile, null, 2) + '\n'
  await new Promise<void>((resolve, reject) => {
    out.write(json, (err) => { if (err != null) reject(err); else resolve() })
  })
}

/** Labels name the classes of the rows' predictions: refuse them when there are none, or a class is missing. */
function checkLabels (labels: readonly string[], predictions: readonly string[] | undefined, args: ProfileBuildArgs): void {
  if (predictions === undefined) fail(`--labels ${args.labels}: the rows of ${args.input} have no predictions to label (add a prediction column, or --score URL)`)
  const known = new Set(labels)
  const missing = predictions!.find((p) => !known.has(p))
  if (missing !== undefined) fail(`--labels ${args.labels}: predicted class "${missing}" of ${args.input} is not in ${args.labels}`)
}
