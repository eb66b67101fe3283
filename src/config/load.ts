/**
 * Load a config in one pass: parse YAML, validate with the schema, run the semantic checks on
 * whatever parsed, read the tokens file, and report every problem at once, each with its path and
 * its line and column in the file (`models.m.versions.v2.url: must be http or https, got "ftp"
 * (line 9, column 9)`). `headliner config check FILE` and the file watcher run exactly this.
 * A loaded config is deep-frozen: nothing changes it after validation.
 */
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { LineCounter, parseDocument, type Document } from 'yaml'
import { AdminTokensFileSchema, ConfigSchema, type AdminTokenConfig, type Config } from './schema.js'
import { semanticProblems, type Problem } from './semantic.js'
import { knownFieldsAt } from './fields.js'
import { locate, type Located } from './locate.js'
import { formatIssues, formatPath, yamlProblems } from '../schema-path.js'

export type LoadResult =
  | { ok: true; config: Config; file: string }
  | { ok: false; problems: string[]; file: string; /** The same problems with path, line and column (absent from results made elsewhere). */ issues?: Located[] }

/** Parse and validate config text. `baseDir` resolves relative file paths (transform, reference, tokens file). */
export function parseConfig (text: string, baseDir: string, file = '(inline)'): LoadResult {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, lineCounter })
  if (doc.errors.length > 0) {
    // The YAML library words its own position ("at line 8, column 1"); no path to add.
    return failed(file, yamlProblems(doc.errors).map((message) => ({ path: [], message })))
  }
  const raw: unknown = doc.toJS()
  const parsed = ConfigSchema.safeParse(raw ?? {}, { reportInput: true })
  const problems: Located[] = []
  if (!parsed.success) problems.push(...parsed.error.issues.flatMap((issue) => schemaProblems(issue, doc, lineCounter)))
  problems.push(...semanticProblems(raw, baseDir).map((p) => at(p, doc, lineCounter)))
  let fileTokens: AdminTokenConfig[] = []
  if (parsed.success && parsed.data.admin.tokensFile !== undefined) {
    const read = readTokensFile(resolve(baseDir, parsed.data.admin.tokensFile))
    if (typeof read === 'string') problems.push(at({ path: ['admin', 'tokensFile'], message: read }, doc, lineCounter))
    else fileTokens = read
  }
  if (!parsed.success || problems.length > 0) return failed(file, dedupe(problems))
  const config = resolvePaths(parsed.data, baseDir)
  config.admin.tokens = [...config.admin.tokens, ...fileTokens]
  const names = config.admin.tokens.map((t) => t.name)
  const twice = names.filter((n, i) => names.indexOf(n) !== i)
  if (twice.length > 0) return failed(file, [at({ path: ['admin', 'tokens'], message: `token names must be unique (audit entries name them): ${[...new Set(twice)].join(', ')} twice` }, doc, lineCounter)])
  return { ok: true, file, config: deepFreeze(config) }
}

/** Read and validate a config file; a missing or unreadable file is a problem like any other. */
export function loadConfigFile (file: string): LoadResult {
  const path = resolve(file)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    return failed(path, [{ path: [], message: `cannot read config: ${(err as Error).message}` }])
  }
  return parseConfig(text, dirname(path), path)
}

/** One zod issue as problems (an unknown-keys issue is one per key), with "did you mean" and positions. */
function schemaProblems (issue: Parameters<typeof formatIssues>[0][number], doc: Document, lc: LineCounter): Located[] {
  const lines = formatIssues([issue], () => knownFieldsAt(issue.path))
  const paths = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path]
  return lines.map((line, i) => {
    const path = paths[i] ?? issue.path
    const prefix = `${formatPath(path)}: `
    return at({ path, message: line.startsWith(prefix) ? line.slice(prefix.length) : line }, doc, lc)
  })
}

function at (p: Problem, doc: Document, lc: LineCounter): Located {
  return { ...p, ...locate(doc, lc, p.path) }
}

function failed (file: string, issues: Located[]): LoadResult {
  const problems = issues.map((p) => {
    const where = p.line === undefined ? '' : ` (line ${p.line}, column ${p.column})`
    return p.path.length === 0 ? `${p.message}${where}` : `${formatPath(p.path)}: ${p.message}${where}`
  })
  return { ok: false, file, problems, issues }
}

/** The schema and a semantic check can both see one fault (an empty `models`): say it once. */
function dedupe (problems: Located[]): Located[] {
  const seen = new Set<string>()
  return problems.filter((p) => {
    const key = `${formatPath(p.path)}: ${p.message}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/** The entries of `admin.tokensFile`, or one line saying why they cannot be used. */
function readTokensFile (path: string): AdminTokenConfig[] | string {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    return `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`
  }
  const doc = parseDocument(text)
  if (doc.errors.length > 0) return `${path}: ${yamlProblems(doc.errors).join('; ')}`
  const parsed = AdminTokensFileSchema.safeParse(doc.toJS() ?? [], { reportInput: true })
  if (!parsed.success) return `${path}: ${formatIssues(parsed.error.issues).join('; ')}`
  return parsed.data
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
  if (config.admin.tokensFile !== undefined) config.admin.tokensFile = resolve(baseDir, config.admin.tokensFile)
  return config
}

/** Freezes every object and array reachable from `value`, as fastify freezes its options. */
export function deepFreeze<T> (value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}
