/**
 * Load a config: parse YAML, validate with the schema, run the semantic checks, and report every
 * problem at once, each with its path (`models.hit-predictor.versions.v2.weight: ...`).
 * `headliner config check FILE` and the file watcher run exactly this.
 */
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { parseDocument } from 'yaml'
import type { z } from 'zod'
import { ConfigSchema, type Config } from './schema.js'
import { semanticProblems } from './semantic.js'

export type LoadResult =
  | { ok: true; config: Config; file: string }
  | { ok: false; problems: string[]; file: string }

/** Render a zod/semantic path the way users write it: `models.hit-predictor.versions.v2.weight`, `features[3]`. */
export function formatPath (path: readonly PropertyKey[]): string {
  let out = ''
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else out += out === '' ? String(key) : `.${String(key)}`
  }
  return out === '' ? '(root)' : out
}

export function formatIssues (issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const where = formatPath(issue.path)
    if (issue.code === 'unrecognized_keys') return `${where}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`
    return `${where}: ${issue.message}`
  })
}

/** Parse and validate config text. `baseDir` resolves relative file paths (transform, reference). */
export function parseConfig (text: string, baseDir: string, file = '(inline)'): LoadResult {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true })
  if (doc.errors.length > 0) {
    return { ok: false, file, problems: doc.errors.map((e) => `YAML: ${e.message.split('\n')[0]}`) }
  }
  const raw: unknown = doc.toJS()
  const parsed = ConfigSchema.safeParse(raw ?? {})
  if (!parsed.success) return { ok: false, file, problems: formatIssues(parsed.error.issues) }
  const config = resolvePaths(parsed.data, baseDir)
  const problems = semanticProblems(config)
  if (problems.length > 0) return { ok: false, file, problems }
  return { ok: true, file, config }
}

export function loadConfigFile (file: string): LoadResult {
  const path = resolve(file)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    return { ok: false, file: path, problems: [`cannot read config: ${(err as Error).message}`] }
  }
  return parseConfig(text, dirname(path), path)
}

/** File paths in the config are relative to the config file; make them absolute once, here. */
function resolvePaths (config: Config, baseDir: string): Config {
  for (const model of Object.values(config.models)) {
    for (const version of Object.values(model.versions)) {
      if (version.transform !== undefined) version.transform = resolve(baseDir, version.transform)
      if (version.tls?.ca !== undefined) version.tls.ca = resolve(baseDir, version.tls.ca)
    }
    if (model.drift !== undefined) model.drift.reference = resolve(baseDir, model.drift.reference)
  }
  if (config.state.store === 'file') config.state.path = resolve(baseDir, config.state.path)
  return config
}
