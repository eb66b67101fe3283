/**
 * Per-version transforms, the pure core: load a spec beside a model version, turn named-feature
 * instances into the version's input tensor (pre), its output tensor into labelled predictions
 * (post), and check the spec against the upstream's metadata (contract). No HTTP here: the gateway
 * calls these in order:
 *
 * @example
 * const t = await loadTransform('models/hit-predictor/v2/transform.yaml')      // at (re)load
 * const c = checkContract(t, metadata)                                          // at (re)load and on new metadata
 * const p = pre(t, body.instances)                                              // 400 if !p.ok && p.fault === 'caller'
 * const req = toOipRequest(t, p.batch, { id, inputName: c.input })             // -> upstream /infer
 * const out = fromOipResponse(t, answer, p.batch.rows, c.output)               // 502 if !out.ok
 * const r = post(t, out.batch)                                                  // { predictions: r.predictions }
 */
export { loadTransform, TransformLoadError } from './load.js'
export { compileTransform, type CompileResult } from './compile.js'
export { parseTransformSpec, TransformSpecSchema, type TransformSpec, type FeatureSpec } from './spec.js'
export { parseLabels, type Labels } from './labels.js'
export { pre, specPre, checkInstances, MAX_REPORTED_ERRORS } from './pre.js'
export { post, specPost } from './post.js'
export { topIndices } from '../vector.js'
export { toOipRequest, fromOipResponse, tensorBody, type OipTransformRequest } from './oip.js'
export { checkContract, type ContractResult } from './contract.js'
export { didYouMean, editDistance } from '../suggest.js'
export type { Batch, Fault, TransformFailure, PreResult, PostResult, Prediction, TopEntry, CustomContext, CustomModule, Transform } from './types.js'
