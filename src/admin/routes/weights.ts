/**
 * Release control over HTTP (write role, except the audit read): PUT .../weights, PUT .../mirrors,
 * DELETE .../overrides, GET /admin/audit. A write is validated by the config file's rule and refused
 * whole (400 listing every problem), refused while a running rollout owns the weights (409) or while
 * the store is unreachable (503), or applied atomically with its audit entry; it answers the model's
 * effective versions after the write.
 */
import type { FastifyReply } from 'fastify'
import { errors, isHeadlinerError } from '../../errors.js'
import type { AdminRoutes } from '../deps.js'

interface ModelParams { Params: { model: string } }
type Body = Record<string, unknown> | undefined

const REASON_MAX = 500

/** The `{"<field>": {"v1": 80}, "reason": ".."}` body, or a 400 naming what is wrong. */
function readBody (body: unknown, field: 'weights' | 'mirrors'): { values: Record<string, unknown>; reason: string } {
  const b = body as Body
  if (b === undefined || b === null || typeof b !== 'object' || Array.isArray(b)) throw errors.badRequest('body', `must be a JSON object {"${field}": {...}, "reason": "..."}`)
  const unknown = Object.keys(b).filter((k) => k !== field && k !== 'reason')
  const values = b[field]
  const problems: string[] = []
  if (unknown.length > 0) problems.push(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`)
  if (values === null || typeof values !== 'object' || Array.isArray(values)) problems.push(`${field}: must be an object of version -> number, got ${JSON.stringify(values) ?? 'nothing'}`)
  else if (Object.keys(values).length === 0) problems.push(`${field}: names no version`)
  if (b.reason !== undefined && (typeof b.reason !== 'string' || b.reason.length > REASON_MAX)) problems.push(`reason: must be a string of at most ${REASON_MAX} characters`)
  if (problems.length > 0) throw errors.badRequest('body', problems.join('; '))
  return { values: values as Record<string, unknown>, reason: (b.reason as string | undefined) ?? '' }
}

/** A refusal with its problem list (`problems`: `{path, message}` each) beside the usual error and code. */
function send (reply: FastifyReply, err: unknown): FastifyReply {
  if (isHeadlinerError(err) && 'problems' in err) return reply.code(err.statusCode).send({ error: err.message, code: err.code, problems: err.problems })
  throw err
}

export const weightRoutes: AdminRoutes = ({ release }) => async (api) => {
  api.put<ModelParams>('/admin/models/:model/weights', async (request, reply) => {
    const { values, reason } = readBody(request.body, 'weights')
    return release.setWeights(request.params.model, values, request.actor ?? 'unknown', reason).catch((err: unknown) => send(reply, err))
  })

  api.put<ModelParams>('/admin/models/:model/mirrors', async (request, reply) => {
    const { values, reason } = readBody(request.body, 'mirrors')
    return release.setMirrors(request.params.model, values, request.actor ?? 'unknown', reason).catch((err: unknown) => send(reply, err))
  })

  api.delete<ModelParams & { Querystring: { reason?: string } }>('/admin/models/:model/overrides', async (request) => {
    return release.resetOverrides(request.params.model, request.actor ?? 'unknown', request.query.reason ?? '')
  })

  api.get<{ Querystring: { model?: string; limit?: string } }>('/admin/audit', async (request) => {
    const raw = request.query.limit
    const limit = raw === undefined ? 50 : Number(raw)
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw errors.badRequest('limit', `must be an integer from 1 to 10000, got "${raw}"`)
    const model = request.query.model
    if (model !== undefined && model !== '' && release.state.models[model] === undefined) release.effective(model) // 404 for a model the file does not have
    const entries = await release.audit({ ...(model === undefined || model === '' ? {} : { model }), limit })
    return { entries }
  })
}
