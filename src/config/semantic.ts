/**
 * Checks that relate fields to each other, run after the schema: weights sum to 100 over serving
 * versions, a shadow has weight 0, URLs are plain http(s) origins, named files exist.
 * Each problem carries its path; all are returned at once.
 */
import { existsSync } from 'node:fs'
import type { Config, ModelConfig } from './schema.js'

/** Every semantic problem of a schema-valid config whose file paths are already absolute. */
export function semanticProblems (config: Config): string[] {
  const models = Object.entries(config.models)
  if (models.length === 0) return ['models: at least one model is required']
  return models.flatMap(([modelName, model]) => modelProblems(modelName, model))
}

/**
 * The semantic problems of one model. Exported so the loader can still check the models that passed
 * the schema when another part of the file did not: the user sees every problem in one run.
 */
export function modelProblems (modelName: string, model: ModelConfig): string[] {
  const problems: string[] = []
  const at = `models.${modelName}`
  const versions = Object.entries(model.versions)
  if (versions.length === 0) return [`${at}.versions: at least one version is required`]
  let sum = 0
  let serving = 0
  for (const [versionName, version] of versions) {
    const vat = `${at}.versions.${versionName}`
    const urlProblem = checkUpstreamUrl(version.url)
    if (urlProblem !== undefined) problems.push(`${vat}.url: ${urlProblem}`)
    if (version.mirror !== undefined) {
      if (version.weight !== 0) problems.push(`${vat}.weight: a shadow (mirror set) must have weight 0, got ${version.weight}`)
    } else {
      serving++
      sum += version.weight
    }
    if (version.transform !== undefined && !existsSync(version.transform)) problems.push(`${vat}.transform: file not found: ${version.transform}`)
    if (version.tls?.ca !== undefined && !existsSync(version.tls.ca)) problems.push(`${vat}.tls.ca: file not found: ${version.tls.ca}`)
  }
  if (serving === 0) problems.push(`${at}.versions: at least one serving version (without mirror) is required`)
  else if (sum !== 100) problems.push(`${at}.versions: weights of serving versions must sum to 100, got ${sum}`)
  if (model.sticky !== undefined && model.sticky.header === model.versionHeader) {
    problems.push(`${at}.sticky.header: must differ from versionHeader "${model.versionHeader}"`)
  }
  if (model.drift !== undefined) {
    if (!existsSync(model.drift.reference)) problems.push(`${at}.drift.reference: file not found: ${model.drift.reference}`)
    const t = model.drift.thresholds
    if (t.psiWarn > t.psiAlert) problems.push(`${at}.drift.thresholds: psiWarn (${t.psiWarn}) must not exceed psiAlert (${t.psiAlert})`)
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
