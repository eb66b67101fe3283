/**
 * Output labels: one entry per column of the output tensor, in column order. The hit predictor's
 * labels are models/hit-predictor/countries.json, the one source of truth the demo model shares.
 */

/** Labels in output-column order: `codes[i]` and `names[i]` describe column i. */
export interface Labels {
  readonly codes: readonly string[]
  readonly names: readonly string[]
}

/** Parsed labels, or every problem found (each starting with its index). */
export type LabelsResult = { ok: true; labels: Labels } | { ok: false; problems: string[] }

/**
 * Validate a parsed labels file: a non-empty array of `{ "code": "SE", "name": "Sweden" }` objects
 * (other fields are ignored) or of plain strings (the string is both code and name). Codes must be
 * unique, since they key the `probabilities` map. Every problem is reported, each with its index.
 *
 * @example
 * parseLabels([{ code: 'SE', name: 'Sweden' }, 'XX']) // ok: codes ['SE', 'XX'], names ['Sweden', 'XX']
 */
export function parseLabels (raw: unknown): LabelsResult {
  if (!Array.isArray(raw)) return { ok: false, problems: [`must be a JSON array of labels, got ${raw === null ? 'null' : typeof raw}`] }
  if (raw.length === 0) return { ok: false, problems: ['must hold at least one label'] }
  const problems: string[] = []
  const codes: string[] = []
  const names: string[] = []
  const firstIndex = new Map<string, number>()
  raw.forEach((entry: unknown, i) => {
    let code: unknown = entry
    let name: unknown = entry
    if (typeof entry === 'object' && entry !== null && !Array.isArray(entry)) {
      ({ code, name } = entry as { code?: unknown; name?: unknown })
      if (typeof name !== 'string' || name === '') problems.push(`[${i}].name: must be a non-empty string`)
    }
    if (typeof code !== 'string' || code === '') {
      problems.push(typeof entry === 'string' ? `[${i}]: must be a non-empty string` : typeof entry === 'object' && entry !== null && !Array.isArray(entry) ? `[${i}].code: must be a non-empty string` : `[${i}]: must be a string or an object { "code", "name" }`)
      return
    }
    const seen = firstIndex.get(code)
    if (seen !== undefined) problems.push(`[${i}].code: duplicate "${code}" (also [${seen}])`)
    else firstIndex.set(code, i)
    codes.push(code)
    names.push(typeof name === 'string' ? name : code)
  })
  if (problems.length > 0) return { ok: false, problems }
  return { ok: true, labels: Object.freeze({ codes: Object.freeze(codes), names: Object.freeze(names) }) }
}
