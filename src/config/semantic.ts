/**
 * Checks that relate fields to each other: the weight rule (weights.ts), URLs are plain http(s)
 * origins, named files exist, the sticky header is not the version header. They run on whatever
 * part of the document the schema could read, so one run shows every problem: a check is skipped
 * only when one of its own inputs is missing or malformed (the schema reports that one).
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { z } from 'zod'
import { ModelSchema, VersionSchema } from './schema.js'
import { weightProblems, type VersionWeight } from './weights.js'

/** A problem at a place in the document: `['models', 'm', 'versions', 'v2', 'url']`. */
export interface Problem {
  path: PropertyKey[]
  message: string
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The value as the field's schema reads it (defaults applied), or `skip` when that schema refuses it. */
function read<T> (schema: z.ZodType<T>, value: unknown): T | typeof skip {
  const r = schema.safeParse(value)
  return r.success ? r.data : skip
}
const skip = Symbol('skip')

/**
 * Every semantic problem of a document (`doc.toJS()`, or a schema-valid config). Relative file
 * paths are resolved against `baseDir`; absolute ones are used as they are.
 */
export function semanticProblems (raw: unknown, baseDir = '/'): Problem[] {
  if (!isRecord(raw) || !isRecord(raw.models)) return []
  const models = Object.entries(raw.models)
  if (models.length === 0) return [{ path: ['models'], message: 'at least one model is required' }]
  return models.flatMap(([name, model]) => modelProblems(name, model, baseDir))
}

/** The semantic problems of one model, as far as its fields can be read. */
export function modelProblems (modelName: string, raw: unknown, baseDir: string): Problem[] {
  if (!isRecord(raw)) return []
  const at = ['models', modelName]
  const problems: Problem[] = []
  const file = (path: PropertyKey[], value: unknown) => {
    if (typeof value === 'string' && value !== '' && !existsSync(resolve(baseDir, value))) problems.push({ path, message: `file not found: ${resolve(baseDir, value)}` })
  }
  if (isRecord(raw.versions)) {
    const versions = Object.entries(raw.versions)
    if (versions.length === 0) problems.push({ path: [...at, 'versions'], message: 'at least one version is required' })
    const weights: Record<string, VersionWeight> = {}
    let complete = versions.length > 0
    for (const [name, v] of versions) {
      const vat = [...at, 'versions', name]
      if (!isRecord(v)) { complete = false; continue }
      // A misspelt field (`wieght`) leaves the weight at its default: the sum would blame the wrong thing.
      if (Object.keys(v).some((k) => !(k in VersionSchema.shape))) complete = false
      if (typeof v.url === 'string') {
        const urlProblem = checkUpstreamUrl(v.url)
        if (urlProblem !== undefined) problems.push({ path: [...vat, 'url'], message: urlProblem })
      }
      const weight = read(VersionSchema.shape.weight, v.weight)
      const mirror = read(VersionSchema.shape.mirror, v.mirror)
      if (weight === skip || mirror === skip) complete = false
      else weights[name] = { weight, mirror }
      file([...vat, 'transform'], v.transform)
      if (isRecord(v.tls)) file([...vat, 'tls', 'ca'], v.tls.ca)
    }
    // The sum needs every version's weight; a version the schema refused leaves it unknown.
    if (complete) problems.push(...weightProblems(weights).map((p) => ({ path: [...at, 'versions', ...p.path], message: p.message })))
  }
  const sticky = read(ModelSchema.shape.sticky, raw.sticky)
  const versionHeader = read(ModelSchema.shape.versionHeader, raw.versionHeader)
  if (sticky !== skip && sticky !== undefined && versionHeader !== skip && sticky.header === versionHeader) {
    problems.push({ path: [...at, 'sticky', 'header'], message: `must differ from versionHeader "${versionHeader}"` })
  }
  if (isRecord(raw.drift)) {
    file([...at, 'drift', 'reference'], raw.drift.reference)
    const t = read(ModelSchema.shape.drift.unwrap().shape.thresholds, raw.drift.thresholds)
    if (t !== skip && t.psiWarn > t.psiAlert) problems.push({ path: [...at, 'drift', 'thresholds'], message: `psiWarn (${t.psiWarn}) must not exceed psiAlert (${t.psiAlert})` })
  }
  return problems
}

function checkUpstreamUrl (raw: string): string | undefined {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return `not a URL: "${raw}"`
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `must be http or https, got "${url.protocol.replace(':', '')}"`
  if (url.username !== '' || url.password !== '') return 'must not carry credentials'
  if (url.search !== '' || url.hash !== '') return 'must not carry a query or fragment'
  return undefined
}
