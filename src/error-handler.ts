/**
 * Every error of both planes leaves as JSON `{"error": ..., "code": ...}`, with the OIP request `id`
 * echoed when known. One file that both the data plane (src/app.ts) and the admin plane
 * (src/admin/app.ts) install, so neither imports the other. Nothing is logged here: the fault is
 * kept on the request for the one line per response (src/gateway/accounting.ts), so a failed call
 * writes one line, and the caller's body never carries the operator's detail (addresses, paths).
 */
import type { FastifyError, FastifyInstance } from 'fastify'
import { errors, isHeadlinerError } from './errors.js'
import type { Call } from './runtime/call.js'

/** What went wrong with a request, for its log line: `err` has this one shape in every line. */
export interface Fault {
  code: string
  status: number
  /** What the caller was told. */
  message: string
  /** The log's view: `{type, message}`, with the stack only for an unexpected error (a bug). */
  err: { type: string; message: string; stack?: string }
}

declare module 'fastify' {
  interface FastifyRequest {
    headliner: Call | null
    fault: Fault | null
  }
}

/** `logs: false` when the plane writes one line per response itself (the data plane); else 5xx are logged here. */
export function installErrorHandling (app: FastifyInstance, opts: { logs?: boolean } = {}): void {
  const logs = opts.logs ?? true
  app.decorateRequest('fault', null)
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const parsed = request.headliner?.parsed as { id?: unknown } | undefined
    const id = typeof parsed?.id === 'string' ? parsed.id : undefined
    const send = (status: number, code: string, message: string, logged: Fault['err']) => {
      request.fault = { code, status, message, err: logged }
      if (logs && status >= 500) request.log.warn({ code, err: logged }, 'request failed')
      return reply.code(status).send({ error: message, code, ...(id !== undefined ? { id } : {}) })
    }
    if (isHeadlinerError(err)) return send(err.statusCode, err.code, err.message, { type: err.code, message: err.detail ?? err.message })
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const e = errors.bodyTooLarge(app.initialConfig.bodyLimit ?? 0)
      return send(e.statusCode, e.code, e.message, { type: e.code, message: e.message })
    }
    const status = err.statusCode ?? 500
    if (status < 500) {
      const code = err.code ?? errors.badRequest('', '').code
      return send(status, code, err.message, { type: code, message: err.message })
    }
    const e = errors.internal()
    return send(e.statusCode, e.code, e.message, { type: err.name, message: err.message, ...(err.stack !== undefined ? { stack: err.stack } : {}) })
  })
  app.setNotFoundHandler((request, reply) => {
    const e = errors.notFound(request.method, request.url)
    request.fault = { code: e.code, status: e.statusCode, message: e.message, err: { type: e.code, message: e.message } }
    return reply.code(e.statusCode).send({ error: e.message, code: e.code })
  })
}
