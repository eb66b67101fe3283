/**
 * Bearer-token auth of the admin API: each token has a name and a role. GET (and HEAD) needs
 * `read`; every other method needs `write`, which includes read. The token's name becomes
 * `request.actor` for the audit trail. With no token configured the API refuses every call: an
 * unauthenticated control plane is never the default.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { errors } from '../errors.js'
import type { AdminToken } from './tokens.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** Name of the admin token that authorised this request (the audit trail's actor). */
    actor?: string
  }
}

/** RFC 6750 section 3: a 401 names the scheme the client should use. */
export const WWW_AUTHENTICATE = 'Bearer realm="headliner"'

const READ_METHODS = new Set(['GET', 'HEAD'])

/** The token whose digest matches; every entry is compared, so the time does not tell which one did. */
function match (tokens: readonly AdminToken[], given: string): AdminToken | undefined {
  const digest = createHash('sha256').update(given).digest()
  let found: AdminToken | undefined
  // Equal-length digests make timingSafeEqual constant-time whatever the token's length.
  for (const t of tokens) if (timingSafeEqual(digest, t.digest) && found === undefined) found = t
  return found
}

export function bearerAuth (tokens: readonly AdminToken[]) {
  return async function checkToken (request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (tokens.length === 0) {
      reply.header('www-authenticate', WWW_AUTHENTICATE)
      throw errors.adminDisabled()
    }
    const header = request.headers.authorization
    const given = typeof header === 'string' && /^bearer /i.test(header) ? header.slice(7).trim() : undefined
    const token = given === undefined || given === '' ? undefined : match(tokens, given)
    if (token === undefined) {
      reply.header('www-authenticate', `${WWW_AUTHENTICATE}${given === undefined ? '' : ', error="invalid_token"'}`)
      throw errors.unauthorized()
    }
    if (token.role !== 'write' && !READ_METHODS.has(request.method)) throw errors.forbidden(token.name, token.role, request.method)
    request.actor = token.name
  }
}
