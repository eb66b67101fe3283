/**
 * Admin tokens: a name, a role and the SHA-256 of the secret. The config lists them (`admin.tokens`,
 * `admin.tokensFile`); the env token (HEADLINER_ADMIN_TOKEN, or the file HEADLINER_ADMIN_TOKEN_FILE
 * names, as a Kubernetes Secret mounts it) is one more, a `write` token named `admin`.
 */
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { AdminTokenConfig, TokenRole } from '../config/schema.js'

/** A token the admin API accepts: its digest, never the token. */
export interface AdminToken {
  name: string
  role: TokenRole
  digest: Buffer
}

/** SHA-256 of a token as 64 lowercase hex digits: what `admin.tokens[].sha256` holds. */
export function sha256Hex (token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/** A new random token: 32 bytes, base64url (43 characters). */
export function generateToken (random: (n: number) => Buffer = randomBytes): string {
  return random(32).toString('base64url')
}

/**
 * The env token: HEADLINER_ADMIN_TOKEN, else the content of HEADLINER_ADMIN_TOKEN_FILE (trimmed,
 * a Secret file often ends with a newline); undefined when neither is set.
 *
 * @throws Error naming the file when HEADLINER_ADMIN_TOKEN_FILE cannot be read or is empty
 */
export function envAdminToken (env: NodeJS.ProcessEnv): string | undefined {
  const direct = env.HEADLINER_ADMIN_TOKEN
  if (direct !== undefined && direct !== '') return direct
  const file = env.HEADLINER_ADMIN_TOKEN_FILE
  if (file === undefined || file === '') return undefined
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new Error(`HEADLINER_ADMIN_TOKEN_FILE: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  const token = text.trim()
  if (token === '') throw new Error(`HEADLINER_ADMIN_TOKEN_FILE: ${file} is empty`)
  return token
}

/** Every accepted token: the configured ones and, when set, the env token as `admin` (write). */
export function adminTokens (configured: readonly AdminTokenConfig[], envToken: string | undefined): AdminToken[] {
  const tokens = configured.map((t) => ({ name: t.name, role: t.role, digest: Buffer.from(t.sha256, 'hex') }))
  if (envToken !== undefined && envToken !== '') tokens.push({ name: 'admin', role: 'write', digest: createHash('sha256').update(envToken).digest() })
  return tokens
}
