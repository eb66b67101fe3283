/**
 * `profile build --score URL --labels FILE`: when the training file carries no predictions, ask the
 * model to score it (OIP v2, batches of 256 rows, features in the profile's column order) and take
 * each row's top-1 label as its prediction.
 */
import { readFile } from 'node:fs/promises'
import { request } from 'undici'
import type { HeadlinerError } from '../errors.js'
import { profileError } from '../drift/profile.js'
import { parseLabels } from '../transform/labels.js'
import { rowsFromOipOutput } from '../protocol/rows.js'
import { argmax } from '../vector.js'

const BATCH = 256

export interface ScoreOptions {
  /** Base URL of the model server. */
  url: string
  /** Model name at the server. */
  model: string
  /** JSON labels file: an array of `{code, name}` or of strings, in output-column order. */
  labels: string
  features: readonly string[]
  rows: readonly Record<string, number>[]
}

/** The class codes of a labels file (`{code, name}` entries or strings), in output-column order. */
export async function readLabelCodes (file: string): Promise<string[]> {
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(file, 'utf8'))
  } catch (err) {
    throw fail(`${file}: cannot read the labels: ${(err as Error).message}`)
  }
  const parsed = parseLabels(raw)
  if (!parsed.ok) throw fail(`${file}: ${parsed.problems.join('; ')}`)
  return [...parsed.labels.codes]
}

export async function scoreRows (opts: ScoreOptions): Promise<string[]> {
  const codes = await readLabelCodes(opts.labels)
  const out: string[] = []
  const path = `${opts.url.replace(/\/+$/, '')}/v2/models/${encodeURIComponent(opts.model)}/infer`
  for (let start = 0; start < opts.rows.length; start += BATCH) {
    const batch = opts.rows.slice(start, start + BATCH)
    const data = batch.flatMap((row) => opts.features.map((f) => row[f]!))
    const res = await request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'input-0', shape: [batch.length, opts.features.length], datatype: 'FP32', data }] })
    })
    const text = await res.body.text()
    if (res.statusCode !== 200) throw fail(`${path} answered ${res.statusCode} for rows ${start + 1}-${start + batch.length}: ${text.slice(0, 300)}`)
    const rows = rowsFromOipOutput(JSON.parse(text))
    if (!rows.ok) throw fail(`${path}: ${rows.error}`)
    for (const probabilities of rows.rows) {
      if (probabilities.length !== codes.length) throw fail(`${path}: the model answers ${probabilities.length} classes but ${opts.labels} has ${codes.length} labels`)
      out.push(codes[argmax(probabilities)]!)
    }
  }
  return out
}

function fail (message: string): HeadlinerError {
  return profileError([message])
}
