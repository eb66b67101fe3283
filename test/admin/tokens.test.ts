/** Where the env token comes from, and the digests the admin API compares. */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { adminTokens, envAdminToken, generateToken, sha256Hex } from '../../src/admin/tokens.js'

const dir = mkdtempSync(join(tmpdir(), 'headliner-tokens-'))

describe('envAdminToken', () => {
  it('takes HEADLINER_ADMIN_TOKEN first, then the file HEADLINER_ADMIN_TOKEN_FILE names (trimmed, as a Secret mounts it)', () => {
    const file = join(dir, 'token')
    writeFileSync(file, 'from-file\n')
    expect(envAdminToken({ HEADLINER_ADMIN_TOKEN: 'direct', HEADLINER_ADMIN_TOKEN_FILE: file })).toBe('direct')
    expect(envAdminToken({ HEADLINER_ADMIN_TOKEN_FILE: file })).toBe('from-file')
    expect(envAdminToken({})).toBeUndefined()
  })

  it('refuses an empty token file rather than run with no token', () => {
    const file = join(dir, 'empty')
    writeFileSync(file, '\n')
    expect(() => envAdminToken({ HEADLINER_ADMIN_TOKEN_FILE: file })).toThrow(`HEADLINER_ADMIN_TOKEN_FILE: ${file} is empty`)
  })
})

describe('adminTokens', () => {
  it('adds the env token as a write token named admin, beside the configured ones', () => {
    const tokens = adminTokens([{ name: 'ci', role: 'read', sha256: sha256Hex('x') }], 'y')
    expect(tokens.map((t) => [t.name, t.role, t.digest.toString('hex')])).toEqual([['ci', 'read', sha256Hex('x')], ['admin', 'write', sha256Hex('y')]])
  })

  it('generates 32 random bytes as base64url', () => {
    expect(generateToken(() => Buffer.alloc(32, 255))).toBe('_'.repeat(42) + '8') // 256 one-bits: 42 full sextets, then 1111 + 00
  })
})
