/**
 * The one check of a 200 that no transform post-processes (an OIP or v1 call passed through, a v1
 * call bridged to OIP): is it a prediction at all (src/protocol/answers.ts)? Only an answer the
 * gateway holds whole and that is at most `MAX_CHECKED_BYTES` is checked, and it is parsed once for
 * the check and every observer after it (shadow comparison, drift): an answer streamed through is
 * never parsed, so a large answer costs no more than before.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { errors, type HeadlinerError } from '../errors.js'
import { checkOipAnswer, checkV1Answer, type DeclaredOutput } from '../protocol/answers.js'
import { responseJson, type Call, type Protocol } from '../runtime/call.js'
import type { VersionRuntime } from '../runtime/snapshot.js'

/** Largest answer checked: the size up to which shadows compare answers (src/shadow/dispatcher.ts) too. */
export const MAX_CHECKED_BYTES = 256 * 1024

export interface InvalidAnswer { error: 'protocol' | 'invalid_prediction'; httpError: HeadlinerError }

/**
 * Why the call's 200 answer is not a prediction of its protocol (`kind`, as spoken to the upstream),
 * or undefined: valid, or not checked (too large, or binary tensor data after a JSON header).
 */
export function checkPassthroughAnswer (call: Call, kind: Protocol, answer: { headers: IncomingHttpHeaders; body: Buffer }): InvalidAnswer | undefined {
  if (answer.body.length > MAX_CHECKED_BYTES) return undefined
  // OIP's binary tensor extension: a JSON header of this length, then raw tensor bytes
  if (answer.headers['inference-header-content-length'] !== undefined) return undefined
  const { model, version } = call
  const body = responseJson(call)
  if (body === undefined) return { error: 'protocol', httpError: errors.upstreamProtocol(model.name, version.name, 'the answer is not JSON') }
  const problem = kind === 'v2' ? checkOipAnswer(body, declaredOutputs(version)) : checkV1Answer(body, (call.parsed as { instances: unknown[] }).instances.length)
  return problem === undefined ? undefined : { error: 'invalid_prediction', httpError: errors.invalidPrediction(model.name, version.name, problem) }
}

/** The outputs the upstream's metadata declares (empty when it declared none or was not read). */
function declaredOutputs (version: VersionRuntime): DeclaredOutput[] {
  const outputs = (version.readiness.metadata as { outputs?: unknown } | undefined)?.outputs
  return Array.isArray(outputs) ? outputs.filter((o): o is DeclaredOutput => typeof o === 'object' && o !== null) : []
}
