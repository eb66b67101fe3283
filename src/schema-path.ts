import type { z } from 'zod'
import { didYouMean } from './suggest.js'

/**
 * One way to name a place in a validated document, shared by every schema (config, transform spec,
 * reference profile): the way users write it, `models.hit-predictor.versions.v2.weight`, `features[3].max`.
 *
 * @example formatPath(['features', 3, 'max']) // 'features[3].max'
 */
export function formatPath (path: readonly PropertyKey[]): string {
  let out = ''
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else out += out === '' ? String(key) : `.${String(key)}`
  }
  return out === '' ? '(root)' : out
}

/**
 * Turn zod issues into `path: message` lines, worded alike for every document: `required` for a
 * missing field, one line per unknown field (with "did you mean" when `knownFields` names the fields
 * at that place). Needs issues parsed with `reportInput: true` to tell a missing field from a wrong one.
 */
export function formatIssues (issues: readonly z.core.$ZodIssue[], knownFields?: (path: string) => readonly string[] | undefined): string[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const known = knownFields?.(issue.path.filter((k) => typeof k === 'string').join('.')) ?? []
      return issue.keys.map((key) => {
        const guess = didYouMean(key, known)
        return `${formatPath([...issue.path, key])}: unknown field${guess === undefined ? '' : `; did you mean "${guess}"?`}`
      })
    }
    const where = formatPath(issue.path)
    // A bad record key (model or version name): zod's own message is "Invalid key in record"; the
    // useful text is in the nested issue.
    if (issue.code === 'invalid_key') return `${where}: ${issue.issues.map((i) => i.message).join('; ')}`
    if ((issue.code === 'invalid_type' || issue.code === 'invalid_value') && issue.input === undefined) return `${where}: required`
    return `${where}: ${issue.message.replace(/^Invalid input: /, '')}`
  })
}

/** YAML parse errors as one line each: prettyErrors appends "at line L, column C:" and an excerpt; keep the first line. */
export function yamlProblems (errors: readonly { message: string }[]): string[] {
  return errors.map((e) => `YAML: ${(e.message.split('\n')[0] ?? '').replace(/:$/, '')}`)
}
