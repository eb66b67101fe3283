import { COUNTRY_COUNT } from './countries.js'
import { FEATURE_COUNT } from './features.js'
import type { DemoVersion } from './hit-model.js'

/**
 * Paths and fixed answers of the demo model server (OIP v2 REST, KServe v1). Everything here is
 * computed once when a server starts, so a request only looks its path up.
 */

/** The fixed JSON answers of one server. */
export interface Answers {
  serverMetadata: string
  modelMetadata: string
  modelReady: string
  /** `{"model_name":..,"model_version":..,` : the head of every infer response. */
  inferPrefix: string
  outputName: string
}

/** Builds the fixed answers of `version` served under `modelName`. */
export function answersFor (version: DemoVersion, modelName: string): Answers {
  const versionNumber = version.slice(1)
  const outputName = 'country_probabilities'
  const modelMetadata = {
    name: modelName,
    versions: [versionNumber],
    platform: 'headliner-demo',
    // v3 renames its input: the only outward sign that it expects another feature order.
    inputs: [{ name: version === 'v3' ? 'song_features_v3' : 'song_features', datatype: 'FP32', shape: [-1, FEATURE_COUNT] }],
    outputs: [{ name: outputName, datatype: 'FP32', shape: [-1, COUNTRY_COUNT] }]
  }
  return {
    serverMetadata: JSON.stringify({ name: 'headliner-demo', version: '0.1.0', extensions: [] }),
    modelMetadata: JSON.stringify(modelMetadata),
    // OIP v2 model ready and KServe v1 model status share this shape.
    modelReady: JSON.stringify({ name: modelName, ready: true }),
    inferPrefix: `{"model_name":${JSON.stringify(modelName)},"model_version":${JSON.stringify(versionNumber)},`,
    outputName
  }
}

/** What a path asks for. */
export type Route =
  | { kind: 'get'; body: string } // a fixed answer to GET
  | { kind: 'infer' | 'predict' } // OIP v2 infer, KServe v1 predict (POST)
  | { kind: 'unknown-model'; model: string }
  | { kind: 'none' }

/**
 * Returns the route table of one server: exact paths first (the hot path is one Map lookup), then
 * the patterns that carry a version (any version is accepted: one server serves one version) or
 * name another model.
 */
export function createRouter (answers: Answers, modelName: string): (path: string) => Route {
  const model = `/v2/models/${encodeURIComponent(modelName)}`
  const infer: Route = { kind: 'infer' }
  const metadata: Route = { kind: 'get', body: answers.modelMetadata }
  const ready: Route = { kind: 'get', body: answers.modelReady }
  const exact = new Map<string, Route>([
    ['/v2', { kind: 'get', body: answers.serverMetadata }],
    ['/v2/health/live', { kind: 'get', body: '{"live":true}' }],
    ['/v2/health/ready', { kind: 'get', body: '{"ready":true}' }],
    [model, metadata],
    [`${model}/ready`, ready],
    [`${model}/infer`, infer],
    [`/v1/models/${encodeURIComponent(modelName)}`, ready],
    [`/v1/models/${encodeURIComponent(modelName)}:predict`, { kind: 'predict' }]
  ])
  const none: Route = { kind: 'none' }

  return (path) => {
    const hit = exact.get(path)
    if (hit !== undefined) return hit
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1)
    const parts = path.split('/') // ['', 'v2', 'models', name, ...rest]
    let name: string | undefined
    let route: Route = none
    if (parts[1] === 'v2' && parts[2] === 'models' && parts.length >= 4) {
      name = parts[3]
      let rest = parts.slice(4)
      if (rest[0] === 'versions' && rest.length >= 2) rest = rest.slice(2)
      if (rest.length === 0) route = metadata
      else if (rest.length === 1 && rest[0] === 'ready') route = ready
      else if (rest.length === 1 && rest[0] === 'infer') route = infer
    } else if (parts[1] === 'v1' && parts[2] === 'models' && parts.length === 4) {
      const last = parts[3] as string
      const predict = last.endsWith(':predict')
      name = predict ? last.slice(0, -':predict'.length) : last
      route = predict ? { kind: 'predict' } : ready
    }
    if (route === none || name === undefined) return none
    const decoded = decodeName(name)
    return decoded === modelName ? route : { kind: 'unknown-model', model: decoded ?? name }
  }
}

function decodeName (raw: string): string | undefined {
  try {
    return decodeURIComponent(raw)
  } catch {
    return undefined
  }
}
