/**
 * Limits at the data plane's edge, before a request reaches routing: how long a client may take to
 * send a request, how many connections may be open, and two request shapes that are refused because
 * parsers disagree on them (two Host headers, duplicate JSON keys). Defaults and the tests that prove
 * each one: docs/reliability.md.
 */
import type { FastifyInstance } from 'fastify'
import type { ServerOptions } from 'node:http'
import type { Config } from '../config/schema.js'
import { errors } from '../errors.js'
import { findDuplicateKey } from '../protocol/duplicate-keys.js'

type ServerConfig = Pick<Config['server'], 'requestTimeoutMs' | 'headersTimeoutMs' | 'maxConnections'>

/**
 * Options for `Fastify()`. fastify's own default `requestTimeout` is 0 (none), so a client that sends
 * its headers and half a body held a connection for good. node:http enforces both timeouts from a
 * periodic sweep (`connectionsCheckingInterval`, 30 s by default), so a connection would outlive its
 * timeout by up to 30 s: the sweep runs at a tenth of the shorter timeout, between 50 ms and 1 s.
 */
export function serverOptions (server: ServerConfig): { requestTimeout: number; http: ServerOptions } {
  // node:http refuses a header timeout longer than the request timeout; the request timeout covers it anyway.
  const headersTimeout = Math.min(server.headersTimeoutMs, server.requestTimeoutMs)
  return {
    requestTimeout: server.requestTimeoutMs,
    http: {
      requestTimeout: server.requestTimeoutMs,
      headersTimeout,
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeout / 10)))
    }
  }
}

/** Cap open connections and refuse the ambiguous requests; call once, before routes are used. */
export function installServerLimits (app: FastifyInstance, server: ServerConfig): void {
  // net.Server closes a connection accepted past the cap at once, before any byte is read.
  app.server.maxConnections = server.maxConnections

  app.addHook('onRequest', (request, _reply, done) => {
    // node:http keeps the first of two Host headers and drops the other; a proxy in front may have
    // routed on the other one. RFC 9112 section 3.2: a request with more than one Host is a 400.
    const hosts = countHeader(request.raw.rawHeaders, 'host')
    if (hosts > 1) {
      done(errors.badRequest('request', `the Host header ${hosts} times; send it once (RFC 9112 section 3.2)`))
      return
    }
    done()
  })

  // The body is bytes here (app.ts parses nothing); the handler validates JSON.parse's view of it and
  // forwards the bytes, so the two must not be able to differ (src/protocol/duplicate-keys.ts).
  app.addHook('preHandler', (request, _reply, done) => {
    if (!Buffer.isBuffer(request.body)) {
      done()
      return
    }
    const dup = findDuplicateKey(request.body)
    if (dup === undefined) done()
    else done(errors.badRequest('request', `duplicate key "${dup.key}" in ${dup.at}: a JSON object must name each key once (parsers disagree on which copy wins)`))
  })
}

function countHeader (raw: readonly string[], name: string): number {
  let count = 0
  for (let i = 0; i < raw.length; i += 2) {
    const h = raw[i]!
    if (h.length === name.length && h.toLowerCase() === name) count++
  }
  return count
}
