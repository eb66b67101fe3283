/**
 * Bearer-token auth for the admin API. The token comes from env HEADLINER_ADMIN_TOKEN (read in
 * main.ts). Without a token the admin API refuses every call: an unauthenticated control plane is
 * never the default.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { errors } from '../errors.js'

const digest = (s: string) => createHash('sha256').update(s).digest()

export function bearerAuth (token: string | undefined) {
  const expected = token === undefined || token === '' ? undefined : digest(token)
  return async function checkToken (request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    if (expected === undefined) throw errors.adminDisabled()
    const header = request.headers.authorization
    const given = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7).trim() : undefined
    // Compare digests so the comparison is constant-time whatever the lengths.
    if (given === undefined || !timingSafeEqual(digest(given), expected)) throw errors.unauthorized()
  }
}
