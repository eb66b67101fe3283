/**
 * Admin tokens with names and roles, on real sockets: read tokens read, read tokens cannot write
 * (403), a missing or wrong token is 401 with WWW-Authenticate, and a tokens file works like the list.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { sha256Hex } from '../../src/admin/tokens.js'
import { parseConfig } from '../../src/config/load.js'
import { startDemoVersions, startGateway, type TestGateway } from '../helpers/gateway.js'
import type { RunningModelServer } from '../../src/demo/model-server.js'

const READ = 'read-secret-1'
const WRITE = 'write-secret-2'
const FILED = 'from-the-file-3'
const ENV = 'env-secret-4'

let models: RunningModelServer[]
let gw: TestGateway

/** A config file with one listed token and one in a tokens file, loaded as `serve` loads it. */
function loadedConfig (url: string) {
  const dir = mkdtempSync(join(tmpdir(), 'headliner-auth-'))
  writeFileSync(join(dir, 'tokens.yaml'), `- { name: deployer, role: write, sha256: ${sha256Hex(FILED)} }\n`)
  const text = `schemaVersion: 1
admin:
  tokens:
    - { name: dashboards, role: read, sha256: ${sha256Hex(READ)} }
    - { name: release, role: write, sha256: ${sha256Hex(WRITE).toUpperCase()} }
  tokensFile: tokens.yaml
models:
  m:
    versions:
      v1: { url: "${url}", weight: 100 }
`
  const result = parseConfig(text, dir)
  if (!result.ok) throw new Error(result.problems.join('\n'))
  return result.config
}

async function call (method: 'GET' | 'PUT', path: string, token?: string) {
  const res = await request(gw.adminUrl + path, {
    method,
    headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(method === 'PUT' ? { 'content-type': 'application/json' } : {}) },
    ...(method === 'PUT' ? { body: '{"weights":{"v1":100}}' } : {})
  })
  const body = await res.body.json() as { error?: string; code?: string }
  return { status: res.statusCode, body, www: res.headers['www-authenticate'] }
}

beforeAll(async () => {
  models = await startDemoVersions(['v1'])
  gw = await startGateway(loadedConfig(models[0]!.url), { adminToken: ENV })
})

afterAll(async () => {
  await gw?.close()
  await Promise.all(models.map((m) => m.close()))
})

describe('admin tokens', () => {
  it('lets a read token read', async () => {
    for (const path of ['/status', '/admin/models', '/admin/models/m/shadow']) {
      expect((await call('GET', path, READ)).status).toBe(200)
    }
  })

  it('refuses a read token on a write call with 403 naming the token and its role', async () => {
    const res = await call('PUT', '/admin/models/m/weights', READ)
    expect(res.status).toBe(403)
    expect(res.body).toEqual({ code: 'HEADLINER_ERR_FORBIDDEN', error: 'token "dashboards" has role read; PUT needs a write token' })
  })

  it('lets write tokens through (listed, from the tokens file, and the env token), to whatever the route answers', async () => {
    for (const token of [WRITE, FILED, ENV]) {
      const res = await call('PUT', '/admin/models/m/weights', token)
      expect(res.status).toBe(200)
      expect((await call('GET', '/admin/models', token)).status).toBe(200)
    }
  })

  it('answers 401 with WWW-Authenticate: Bearer to a missing or wrong token, on known and unknown paths', async () => {
    for (const [path, token] of [['/admin/models', undefined], ['/admin/models', 'nope'], ['/status', `${READ}x`], ['/admin/nothing-here', undefined]] as const) {
      const res = await call('GET', path, token)
      expect(res.status).toBe(401)
      expect(res.body.code).toBe('HEADLINER_ERR_UNAUTHORIZED')
      expect(res.www).toMatch(/^Bearer realm="headliner"/)
    }
  })

  it('keeps /metrics open for scrapers', async () => {
    const res = await request(`${gw.adminUrl}/metrics`)
    expect(res.statusCode).toBe(200)
    await res.body.dump()
  })
})

describe('admin API without any token', () => {
  it('refuses every call but /metrics with 401 and WWW-Authenticate', async () => {
    const bare = await startGateway({ schemaVersion: 1, models: { m: { versions: { v1: { url: models[0]!.url, weight: 100 } } } } })
    try {
      const res = await request(`${bare.adminUrl}/admin/models`)
      expect(res.statusCode).toBe(401)
      expect(res.headers['www-authenticate']).toBe('Bearer realm="headliner"')
      expect(((await res.body.json()) as { code: string }).code).toBe('HEADLINER_ERR_ADMIN_DISABLED')
      const metrics = await request(`${bare.adminUrl}/metrics`)
      expect(metrics.statusCode).toBe(200)
      await metrics.body.dump()
    } finally {
      await bare.close()
    }
  })
})
