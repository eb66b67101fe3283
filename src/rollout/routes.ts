/**
 * The rollout admin routes, a thin shell over RolloutService:
 *
 *   GET  /admin/models/:model/rollout            the rollout (spec, state, newest records)
 *   POST /admin/models/:model/rollout            start one (body: RolloutRequest fields, `to` = candidate)
 *   POST /admin/models/:model/rollout/:command   pause | resume | abort | promote (body: optional reason)
 *   GET  /admin/models/:model/rollout/explain    why each step advanced, waited or rolled back, in words
 *
 * Writes need `requireWrite` (the admin plane's write-token check). Errors leave as
 * `{"error", "code"}` with their catalogue status, whatever error handler the parent app has.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { errors, isHeadlinerError } from '../errors.js'
import type { RolloutDoc, RolloutService } from './service.js'

export interface RolloutRoutesOptions {
  service: RolloutService
  /** preHandler that refuses callers without a write token. */
  requireWrite: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
  /** preHandler for reads; default: none. */
  requireRead?: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
  /** Who is acting, for the audit entry (the token's name). Default `admin`. */
  actorOf?: (request: FastifyRequest) => string
}

const COMMANDS = ['pause', 'resume', 'abort', 'promote'] as const
type Command = typeof COMMANDS[number]

/** Records shown by GET (the full list is in the store and in `explain --all`). */
const SHOWN_RECORDS = 10

function view (doc: RolloutDoc | undefined): unknown {
  if (doc === undefined) return null
  const { records, ...state } = doc.state
  return { id: doc.id, spec: doc.spec, ...state, webhooks: doc.webhooks, records: records.slice(-SHOWN_RECORDS), recordCount: records.length }
}

interface Params { model: string, command?: string }

export async function registerRolloutRoutes (app: FastifyInstance, opts: RolloutRoutesOptions): Promise<void> {
  const { service, requireWrite } = opts
  const actorOf = opts.actorOf ?? (() => 'admin')
  const read = opts.requireRead === undefined ? {} : { preHandler: opts.requireRead }
  await app.register(async (scope) => {
    scope.setErrorHandler((err, request, reply) => {
      if (isHeadlinerError(err)) return reply.code(err.statusCode).send({ error: err.message, code: err.code })
      const status = (err as { statusCode?: number }).statusCode ?? 500
      if (status < 500) return reply.code(status).send({ error: (err as Error).message, code: 'HEADLINER_ERR_BAD_REQUEST' })
      request.log.error({ err }, 'rollout route failed')
      return reply.code(500).send({ error: 'internal error', code: 'HEADLINER_ERR_INTERNAL' })
    })

    scope.get<{ Params: Params }>('/admin/models/:model/rollout', read, async (request) => {
      return { model: request.params.model, rollout: view(await service.get(request.params.model)) }
    })

    scope.get<{ Params: Params, Querystring: { all?: string } }>('/admin/models/:model/rollout/explain', read, async (request) => {
      const all = request.query.all === '1' || request.query.all === 'true'
      return { model: request.params.model, ...(await service.explain(request.params.model, all)) }
    })

    scope.post<{ Params: Params }>('/admin/models/:model/rollout', { preHandler: requireWrite }, async (request, reply) => {
      const doc = await service.start(request.params.model, request.body, actorOf(request))
      return reply.code(201).send({ model: request.params.model, rollout: view(doc) })
    })

    scope.post<{ Params: Params, Body: { reason?: unknown } | undefined }>('/admin/models/:model/rollout/:command', { preHandler: requireWrite }, async (request) => {
      const command = request.params.command as Command
      if (!COMMANDS.includes(command)) throw errors.badRequest('rollout command', `"${request.params.command}" is not one of ${COMMANDS.join(', ')}`)
      const reason = request.body?.reason
      if (reason !== undefined && typeof reason !== 'string') throw errors.badRequest('body.reason', 'must be a string')
      const doc = await service[command](request.params.model, actorOf(request), reason)
      return { model: request.params.model, rollout: view(doc) }
    })
  })
}
