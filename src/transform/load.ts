/**
 * Load a transform spec from disk: parse the YAML, validate it, read its labels file, import its
 * custom module, compile. Paths inside a spec are relative to the spec file. Every problem is
 * reported at once, one per line, each naming the file and the path inside it:
 * `models/hit-predictor/v2/transform.yaml: features[3].max: must be greater than min (0), got -1`.
 */
import { readFile, stat } from 'node:fs/promises'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseDocument } from 'yaml'
import { errors, HeadlinerError } from '../errors.js'
import { compileTransform } from './compile.js'
import { parseLabels, type Labels } from './labels.js'
import { parseTransformSpec } from './spec.js'
import type { CustomModule, Transform } from './types.js'
import { yamlProblems } from '../schema-path.js'

/** A spec that cannot be loaded. `problems` holds one line per problem, each starting with its file. */
export class TransformLoadError extends HeadlinerError {
  readonly file: string
  readonly problems: readonly string[]

  constructor (file: string, problems: string[]) {
    const e = errors.transformSpec(file, problems)
    super(e.code, e.statusCode, e.message)
    this.name = 'TransformLoadError'
    this.file = file
    this.problems = Object.freeze(problems)
  }
}

async function readText (path: string): Promise<string | Error> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    return err as Error
  }
}

// join, not resolve: messages show the path the way the user wrote it (relative stays relative).
const beside = (dir: string, path: string): string => isAbsolute(path) ? path : join(dir, path)

/** Every file a loaded transform was built from: the spec, its labels file and its custom module. */
export function transformFiles (t: Transform): string[] {
  const files = [t.file, beside(dirname(t.file), t.spec.output.labels)]
  if (t.custom !== undefined) files.push(t.custom.file)
  return files
}

const reason = (err: Error): string => (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : err.message

/**
 * Load and compile the transform spec at `specPath` (shown in messages as given, so pass the path
 * the user wrote). A custom module is imported fresh when its file changed (its mtime is part of
 * the import URL), so a reload picks up a new version; Node keeps the old one in memory.
 *
 * @throws TransformLoadError listing every problem, each prefixed with its file.
 * @example
 * const v2 = await loadTransform('models/hit-predictor/v2/transform.yaml')
 * v2.features[10] // 'tempo'
 */
export async function loadTransform (specPath: string): Promise<Transform> {
  const fail = (problems: string[]): never => { throw new TransformLoadError(specPath, problems) }
  const text = await readText(specPath)
  if (text instanceof Error) return fail([`${specPath}: cannot read: ${reason(text)}`])
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true })
  if (doc.errors.length > 0) return fail(yamlProblems(doc.errors).map((p) => `${specPath}: ${p}`))
  const parsed = parseTransformSpec(doc.toJS())
  if (!parsed.ok) return fail(parsed.problems.map((p) => `${specPath}: ${p}`))
  const spec = parsed.spec
  const dir = dirname(specPath)
  const problems: string[] = []

  const labelsPath = beside(dir, spec.output.labels)
  let labels: Labels | undefined
  const labelsText = await readText(labelsPath)
  if (labelsText instanceof Error) problems.push(`${specPath}: output.labels: cannot read ${spec.output.labels}: ${reason(labelsText)}`)
  else {
    let raw: unknown
    try {
      raw = JSON.parse(labelsText)
    } catch (err) {
      problems.push(`${labelsPath}: not valid JSON: ${(err as Error).message}`)
    }
    if (raw !== undefined) {
      const result = parseLabels(raw)
      if (result.ok) labels = result.labels
      else problems.push(...result.problems.map((p) => `${labelsPath}: ${p}`))
    }
  }

  let custom: { file: string; module: CustomModule } | undefined
  if (spec.custom !== undefined) {
    const modulePath = beside(dir, spec.custom)
    const loaded = await importCustom(modulePath)
    if (typeof loaded === 'string') problems.push(`${specPath}: custom: ${loaded}`)
    else custom = { file: modulePath, module: loaded }
  }

  if (labels === undefined || problems.length > 0) return fail(problems)
  const compiled = compileTransform(specPath, spec, labels, custom)
  if (!compiled.ok) return fail(compiled.problems.map((p) => `${specPath}: ${p}`))
  return compiled.transform
}

/** Import a custom module and check its exports, or say what is wrong with it. */
async function importCustom (path: string): Promise<CustomModule | string> {
  let mtime: number
  try {
    mtime = (await stat(path)).mtimeMs
  } catch (err) {
    return `cannot read ${path}: ${reason(err as Error)}`
  }
  let mod: Record<string, unknown>
  try {
    mod = await import(`${pathToFileURL(resolve(path)).href}?mtime=${mtime}`) as Record<string, unknown>
  } catch (err) {
    return `cannot import ${path}: ${(err as Error).message}`
  }
  const { pre, post } = mod
  if (pre !== undefined && typeof pre !== 'function') return `${path}: export "pre" must be a function, got ${typeof pre}`
  if (post !== undefined && typeof post !== 'function') return `${path}: export "post" must be a function, got ${typeof post}`
  if (pre === undefined && post === undefined) return `${path}: must export a function "pre" and/or "post"`
  return { pre: pre as CustomModule['pre'], post: post as CustomModule['post'] }
}
