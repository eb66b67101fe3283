/**
 * Load a config: parse YAML, validate with the schema, run the semantic checks, and report every
 * problem at once, each with its path (`models.hit-predictor.versions.v2.weight: ...`).
 * `headliner config check FILE` and the file watcher run exactly this.
 */
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { parseDocument } from 'yaml'
import type { z } from 'zod'
import { ConfigSchema, ModelSchema, type Config, type ModelConfig } from './schema.js'
import { modelProblems, semanticProblems } from './semantic.js'
import { formatIssues, yamlProblems } from '../schema-path.js'

export type LoadResult =
  | { ok: true; config: Config; file: string }
  | { ok: false; problems: string[]; file: string }

/** Parse and validate config text. `baseDir` resolves relative file paths (transform, reference). */
export function parseConfig (text: string, baseDir: string, file = '(inline)'): LoadResult {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true })
  if (doc.errors.length > 0) {
    return { ok: false, file, problems: yamlProblems(doc.errors) }
  }
  const raw: unknown = doc.toJS()
  const parsed = ConfigSchema.safeParse(raw ?? {}, { reportInput: true })
  if (!parsed.success) {
    const issues = parsed.error.issues
    return { ok: false, file, problems: [...formatIssues(issues), ...problemsOfValidModels(raw, issues, baseDir)] }
  }
  const config = resolvePaths(parsed.data, baseDir)
  const problems = semanticProblems(config)
  if (problems.length > 0) return { ok: false, file, problems }
  return { ok: true, file, config }
}

/** Read and validate a config file; a missing or unreadable file is a problem like any other. */
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

/**
 * When the schema rejects part of the file, the models it did not touch still get their semantic
 * checks, so a schema error elsewhere (say `server.port`) does not hide a bad weight sum until the
 * next run.
 */
function problemsOfValidModels (raw: unknown, issues: readonly z.core.$ZodIssue[], baseDir: string): string[] {
  if (!isRecord(raw) || !isRecord(raw.models)) return []
  if (Object.keys(raw.models).length === 0) return ['models: at least one model is required']
  const broken = new Set(issues.filter((i) => i.path[0] === 'models' && i.path.length > 1).map((i) => i.path[1]))
  const problems: string[] = []
  for (const [name, rawModel] of Object.entries(raw.models)) {
    if (broken.has(name)) continue
    const model = ModelSchema.safeParse(rawModel)
    if (model.success) problems.push(...modelProblems(name, resolveModelPaths(model.data, baseDir)))
  }
  return problems
}

function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** File paths in the config are relative to the config file; make them absolute once, here. */
function resolvePaths (config: Config, baseDir: string): Config {
  for (const model of Object.values(config.models)) resolveModelPaths(model, baseDir)
  if (config.state.store === 'file') config.state.path = resolve(baseDir, config.state.path)
  return config
}

function resolveModelPaths (model: ModelConfig, baseDir: string): ModelConfig {
  for (const version of Object.values(model.versions)) {
    if (version.transform !== undefined) version.transform = resolve(baseDir, version.transform)
    if (version.tls?.ca !== undefined) version.tls.ca = resolve(baseDir, version.tls.ca)
  }
  if (model.drift !== undefined) model.drift.reference = resolve(baseDir, model.drift.reference)
  return model
}
