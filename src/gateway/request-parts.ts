/**
 * The small pure pieces of the request path (src/gateway/infer.ts): reading the body and headers,
 * the error a routing decision becomes, the v1 answer of an OIP-only upstream. No reply, no I/O.
 */
import type { FastifyRequest } from 'fastify'
import { errors, type HeadlinerError } from '../errors.js'
import type { Decision } from '../routing/pick.js'
import type { Call } from '../runtime/call.js'
import type { ModelRuntime } from '../runtime/snapshot.js'
import type { Routed } from '../telemetry/spans.js'
import { predictionsFromOip } from './v1-bridge.js'

/** The OIP answer of an OIP-only upstream, as the v1 `predictions` the caller asked for. */
export function v1Answer (model: ModelRuntime, version: { name: string }, answer: unknown): string {
  const text = predictionsFromOip(answer)
  if (text === undefined) throw errors.upstreamProtocol(model.name, version.name, 'the answer has no readable OIP output tensor')
  return text
}

export function routedOf (call: Call): Routed {
  return { model: call.model.name, version: call.version.name, route: call.route }
}

export function headerValue (request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name]
  return Array.isArray(v) ? v[0] : v
}

export function parseJson (body: unknown): unknown {
  if (!Buffer.isBuffer(body) || body.length === 0) throw errors.badJson('the body is empty')
  try {
    return JSON.parse(body.toString('utf8'))
  } catch (err) {
    throw errors.badJson((err as Error).message)
  }
}

/** The OIP request `id` the client sent, echoed into the tensor request. */
export function oipId (parsed: unknown): string | undefined {
  const id = (parsed as { id?: unknown }).id
  return typeof id === 'string' ? id : undefined
}

export function routingError (model: ModelRuntime, decision: Exclude<Decision, { ok: true }>): HeadlinerError {
  switch (decision.reason) {
    case 'unknown_version': return errors.unknownVersion(model.name, decision.version)
    case 'not_ready': {
      // a version whose probe says ready but that routes as unready was ejected (outlier ejection)
      const r = model.versions.get(decision.version)?.readiness
      return errors.versionNotReady(model.name, decision.version, r === undefined ? 'unknown' : r.ready ? 'ejected' : r.reason)
    }
    default: return errors.noReadyVersion(model.name)
  }
}
