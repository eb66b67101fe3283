/**
 * The admin HTTP client of the commands that talk to a running gateway (status, weights, mirrors,
 * overrides, audit, rollout). Base URL from `--gateway` or env HEADLINER_GATEWAY; token from
 * `--token`, HEADLINER_ADMIN_TOKEN, `--token-file` or HEADLINER_ADMIN_TOKEN_FILE. Every call is
 * bounded by a timeout, and every failure is one line a user can act on.
 */
import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import { request } from 'undici'
import { httpUrl, integer } from './options.js'

export const DEFAULT_GATEWAY = 'http://127.0.0.1:9901'

/** The options every client command declares (see {@link clientOptions}). */
export interface ClientFlags { gateway?: string; token?: string; tokenFile?: string; timeout: number }

/** Declares `--gateway`, `--token`, `--token-file`, `--timeout` on a command. */
export function clientOptions (cmd: Command): Command {
  return cmd
    .option('--gateway <url>', `admin URL of the gateway (env HEADLINER_GATEWAY, default ${DEFAULT_GATEWAY})`, httpUrl)
    .option('--token <token>', 'admin token (env HEADLINER_ADMIN_TOKEN)')
    .option('--token-file <file>', 'file holding the admin token (env HEADLINER_ADMIN_TOKEN_FILE)')
    .option('--timeout <ms>', 'give up after this many milliseconds', integer(1, 600_000), 10_000)
}

/** A refused or failed admin call: `message` is the one line to print. */
export class AdminCallError extends Error {
  constructor (message: string, readonly status?: number, readonly code?: string) {
    super(message)
    this.name = 'AdminCallError'
  }
}

export interface AdminClient {
  readonly baseUrl: string
  call<T> (method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T>
}

/** The token from --token, HEADLINER_ADMIN_TOKEN, --token-file or HEADLINER_ADMIN_TOKEN_FILE, in that order. */
export function tokenOf (flags: ClientFlags, env: NodeJS.ProcessEnv): string | undefined {
  if (flags.token !== undefined) return flags.token
  if (env.HEADLINER_ADMIN_TOKEN !== undefined && env.HEADLINER_ADMIN_TOKEN !== '') return env.HEADLINER_ADMIN_TOKEN
  const file = flags.tokenFile ?? env.HEADLINER_ADMIN_TOKEN_FILE
  if (file === undefined || file === '') return undefined
  try {
    return readFileSync(file, 'utf8').trim()
  } catch (err) {
    throw new AdminCallError(`cannot read the token file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
}

export function adminClient (flags: ClientFlags, env: NodeJS.ProcessEnv): AdminClient {
  const baseUrl = (flags.gateway ?? env.HEADLINER_GATEWAY ?? DEFAULT_GATEWAY).replace(/\/+$/, '')
  const token = tokenOf(flags, env)
  return {
    baseUrl,
    async call<T> (method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
      const url = baseUrl + path
      let res
      try {
        res = await request(url, {
          method,
          headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          headersTimeout: flags.timeout,
          bodyTimeout: flags.timeout,
          signal: AbortSignal.timeout(flags.timeout)
        })
      } catch (err) {
        const e = err as Error & { code?: string }
        const why = e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' ? `no answer within ${flags.timeout} ms` : e.message
        throw new AdminCallError(`${method} ${url}: ${why}`)
      }
      const text = await res.body.text()
      let parsed: unknown
      try { parsed = text === '' ? undefined : JSON.parse(text) } catch { parsed = undefined }
      if (res.statusCode >= 400) {
        const e = parsed as { error?: string; code?: string } | undefined
        const hint = res.statusCode === 401 && token === undefined ? ' (no token given: --token, HEADLINER_ADMIN_TOKEN or --token-file)' : ''
        throw new AdminCallError(`${method} ${path}: ${res.statusCode} ${e?.error ?? text.slice(0, 200)}${hint}`, res.statusCode, e?.code)
      }
      return parsed as T
    }
  }
}
