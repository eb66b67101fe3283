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
  problems.push(...featureOrderProblems(at, raw))
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

/** `features` names each feature once; `featuresFrom` names a version with a transform, and not alongside `features`. */
function featureOrderProblems (at: PropertyKey[], raw: Record<string, unknown>): Problem[] {
  const problems: Problem[] = []
  const features = read(ModelSchema.shape.features, raw.features)
  if (features !== skip && features !== undefined) {
    const seen = new Set<string>()
    features.forEach((f, i) => {
      if (seen.has(f)) problems.push({ path: [...at, 'features', i], message: `"${f}" is named twice: a feature order names each feature once` })
      seen.add(f)
    })
  }
  const from = read(ModelSchema.shape.featuresFrom, raw.featuresFrom)
  if (from === skip || from === undefined) return problems
  if (features !== undefined) problems.push({ path: [...at, 'featuresFrom'], message: 'set `features` or `featuresFrom`, not both' })
  const version = isRecord(raw.versions) ? raw.versions[from] : undefined
  if (!isRecord(version)) problems.push({ path: [...at, 'featuresFrom'], message: `names version "${from}", which the model does not have` })
  else if (typeof version.transform !== 'string') problems.push({ path: [...at, 'featuresFrom'], message: `version "${from}" names no transform, so it declares no feature order` })
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
