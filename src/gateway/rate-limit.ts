/**
 * The optional per-client rate limit of the data plane (`server.rateLimit`), on @fastify/rate-limit:
 * a fixed period per client key, counted in this process's memory (an LRU of `clients` keys), so
 * with N replicas the fleet allows N times `max`; a shared store (Redis) would put a network call in
 * front of every request, and the limit is a guard against one runaway client, not billing.
 *
 * The key is the configured header's value (an API key the ingress sets or checks), else the client
 * address as fastify gives it: the socket peer, since the data plane does not trust
 * `X-Forwarded-For` (a client could otherwise pick a fresh address per request). Health checks are
 * never limited: a kubelet or balancer behind one address must not take the replica out of rotation.
 * A refusal is a HeadlinerError, so it leaves as JSON and is counted like every refusal before
 * routing (src/gateway/accounting.ts: version "", route "none").
 */
import rateLimit, { normalizeIP } from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Config } from '../config/schema.js'
import { errors } from '../errors.js'

type RateLimitConfig = NonNullable<Config['server']['rateLimit']>

const UNLIMITED: ReadonlySet<string> = new Set(['/v2/health/live', '/v2/health/ready'])

/** Longest key header value kept as a key: a longer one is cut (the LRU holds `clients` of them). */
const MAX_KEY = 256

/** A client's key: its header value (prefixed, so it cannot collide with an address), else its address. */
export function clientKey (headers: FastifyRequest['headers'], ip: string, keyHeader: string | undefined): string {
  const raw = keyHeader === undefined ? undefined : headers[keyHeader]
  const value = Array.isArray(raw) ? raw[0] : raw
  if (value !== undefined && value !== '') return `key:${value.slice(0, MAX_KEY)}`
  return `ip:${normalizeIP(ip)}`
}

/** Register the limit before the routes (it hooks every route added after it); nothing when it is off. */
export async function installRateLimit (app: FastifyInstance, limit: RateLimitConfig | undefined): Promise<void> {
  if (limit === undefined) return
  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    max: limit.max,
    timeWindow: limit.periodMs,
    cache: limit.clients,
    allowList: (request) => UNLIMITED.has(request.routeOptions.url ?? ''),
    keyGenerator: (request) => clientKey(request.headers, request.ip, limit.keyHeader),
    errorResponseBuilder: (_request, context) => errors.rateLimited(limit.max, limit.periodMs, Math.max(1, Math.ceil(context.ttl / 1000)))
  })
}
