/**
 * KServe v1 (`:predict`) request validation. Instances are either arrays of numbers (sent to the
 * model as they are) or objects of named features (only when the chosen version has a transform).
 * Spec: https://kserve.github.io/website/latest/modelserving/data_plane/v1_protocol/
 */
import { describe, isPlainObject, type Checked } from './oip.js'

export interface PredictRequest {
  instances: unknown[]
  /** Whether every instance is an object of named features. */
  named: boolean
}

export function checkPredictRequest (body: unknown): Checked<PredictRequest> {
  if (!isPlainObject(body)) return { ok: false, error: '(body): must be a JSON object with an "instances" array' }
  const instances = body.instances
  if (!Array.isArray(instances)) return { ok: false, error: `instances: ${instances === undefined ? 'is required' : 'must be an array'}` }
  if (instances.length === 0) return { ok: false, error: 'instances: must not be empty' }
  const named = isPlainObject(instances[0])
  let width = -1
  for (let i = 0; i < instances.length; i++) {
    const row: unknown = instances[i]
    if (named) {
      if (!isPlainObject(row)) return { ok: false, error: `instances[${i}]: must be an object of named features like instances[0]` }
      continue
    }
    if (!Array.isArray(row)) return { ok: false, error: `instances[${i}]: must be an array of numbers or an object of named features, got ${describe(row)}` }
    if (width === -1) width = row.length
    else if (row.length !== width) return { ok: false, error: `instances[${i}]: has ${row.length} values but instances[0] has ${width}` }
    for (let j = 0; j < row.length; j++) {
      const x: unknown = row[j]
      if (typeof x !== 'number' || !Number.isFinite(x)) return { ok: false, error: `instances[${i}][${j}]: must be a finite number, got ${describe(x)}` }
    }
  }
  return { ok: true, value: { instances, named } }
}
