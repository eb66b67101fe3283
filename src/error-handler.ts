/**
 * Every error of both planes leaves as JSON `{"error": ..., "code": ...}`, with the OIP request `id`
 * echoed when known. One file that both the data plane (src/app.ts) and the admin plane
 * (src/admin/app.ts) install, so neither imports the other.
 */
import type { FastifyError, FastifyInstance } from 'fastify'
import { errors, isHeadlinerError } from './errors.js'
import type { Call } from './runtime/call.js'

declare module 'fastify' {
  interface FastifyRequest { headliner: Call | null }
}

export function installErrorHandling (app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const parsed = request.headliner?.parsed as { id?: unknown } | undefined
    const id = typeof parsed?.id === 'string' ? parsed.id : undefined
    if (isHeadlinerError(err)) {
      if (err.statusCode >= 500) request.log.warn({ code: err.code, err: err.message }, 'request failed')
      return reply.code(err.statusCode).send({ error: err.message, code: err.code, ...(id !== undefined ? { id } : {}) })
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const e = errors.bodyTooLarge(app.initialConfig.bodyLimit ?? 0)
      return reply.code(e.statusCode).send({ error: e.message, code: e.code })
    }
    const status = err.statusCode ?? 500
    if (status < 500) return reply.code(status).send({ error: err.message, code: err.code ?? errors.badRequest('', '').code })
    request.log.error({ err }, 'unexpected error')
    const e = errors.internal()
    return reply.code(e.statusCode).send({ error: e.message, code: e.code })
  })
  app.setNotFoundHandler((request, reply) => {
    const e = errors.notFound(request.method, request.url)
    return reply.code(e.statusCode).send({ error: e.message, code: e.code })
  })
}
