/**
 * Release control through the admin API of one gateway (real sockets, memory store): writes are
 * validated by the config file's rule (400 listing every problem) or applied with their audit entry;
 * a running rollout owns the weights (409); a read token cannot write (403) and the actor is the
 * token's name; GET /admin/models shows file, override and effective; config reloads layer the
 * overrides over the new file and drop the stale ones with an audit entry by actor `config`.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { sha256Hex } from '../../src/admin/tokens.js'
import { ConfigSchema } from '../../src/config/schema.js'
import { MemoryStore, type AuditEntry } from '../../src/state/index.js'
import type { RunningModelServer } from '../../src/demo/model-server.js'
import type { Answer } from '../helpers/replicas.js'
import { hitPredictorConfig, startDemoVersions, startGateway, type TestGateway } from '../helpers/gateway.js'

const WRITE = 'release-manager-token'
const READ = 'dashboard-token'
const M = 'hit-predictor'

let models: RunningModelServer[]
let urls: Record<string, string>
let gw: TestGateway
let store: MemoryStore

const raw = (versions: Record<string, Record<string, unknown>>) => ({
  ...hitPredictorConfig(urls, versions),
  admin: { tokens: [{ name: 'alice', role: 'write', sha256: sha256Hex(WRITE) }, { name: 'grafana', role: 'read', sha256: sha256Hex(READ) }] }
})
const FILE = { v1: { weight: 90 }, v2: { weight: 10 }, v3: { weight: 0, mirror: 0 } }

async function admin (method: 'GET' | 'PUT' | 'DELETE', path: string, body?: unknown, token = WRITE) {
  const res = await request(gw.adminUrl + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  return { status: res.statusCode, body: await res.body.json() } as Answer
}

beforeAll(async () => {
  models = await startDemoVersions(['v1', 'v2', 'v3'])
  urls = { v1: models[0]!.url, v2: models[1]!.url, v3: models[2]!.url }
})

beforeEach(async () => {
  await gw?.close()
  store = new MemoryStore()
  gw = await startGateway(raw(FILE), { store })
})

afterAll(async () => {
  await gw?.close()
  await Promise.all(models.map((m) => m.close()))
})

describe('PUT /admin/models/{m}/weights', () => {
  it('applies a valid write, answers the effective weights, and records the token name as actor in the same revision', async () => {
    const res = await admin('PUT', `/admin/models/${M}/weights`, { weights: { v1: 80, v2: 20 }, reason: 'canary' })
    expect(res.status).toBe(200)
    expect(res.body.versions).toEqual({ v1: { weight: 80 }, v2: { weight: 20 }, v3: { weight: 0, mirror: 0 } })
    expect(gw.app.runtime.model(M)!.table.versions.map((v) => v.weight)).toEqual([80, 20, 0])
    const audit = await admin('GET', `/admin/audit?model=${M}&limit=5`, undefined, READ)
    const [entry] = audit.body.entries as AuditEntry[]
    expect(entry).toMatchObject({ actor: 'alice', action: 'set-weights', model: M, reason: 'canary', before: null, after: { weights: { v1: 80, v2: 20 } }, revision: res.body.revision })
    const metrics = await (await request(`${gw.adminUrl}/metrics`)).body.text()
    expect(metrics).toContain('headliner_admin_changes_total{action="set_weights",actor="alice"} 1')
    expect(metrics).toContain('headliner_state_store_up{store="memory"} 1')
  })

  it('refuses a bad write whole with a 400 listing every problem, and changes nothing', async () => {
    const res = await admin('PUT', `/admin/models/${M}/weights`, { weights: { v1: 80.5, v9: 10, v3: 5 } })
    expect(res.status).toBe(400)
    expect(res.body.code).toBe('HEADLINER_ERR_BAD_REQUEST')
    expect(res.body.problems.map((p: { path: string[] }) => p.path.join('.'))).toEqual(['v1', 'v9', 'v3'])
    expect(res.body.error).toMatch(/v9: unknown version/)
    const sum = await admin('PUT', `/admin/models/${M}/weights`, { weights: { v1: 80 } })
    expect(sum.status).toBe(400)
    expect(sum.body.error).toMatch(/sum to 100, got 90/)
    expect((await store.load()).revision).toBe(0)
    expect(gw.app.runtime.model(M)!.table.versions.map((v) => v.weight)).toEqual([90, 10, 0])
  })

  it('refuses bodies that are not {"weights": {...}} with a 400 naming the field', async () => {
    for (const body of [[1], { weights: [] }, { weights: {} }, { weight: { v1: 100 } }, { weights: { v1: 100 }, reason: 7 }]) {
      const res = await admin('PUT', `/admin/models/${M}/weights`, body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.code).toBe('HEADLINER_ERR_BAD_REQUEST')
    }
    expect((await admin('PUT', '/admin/models/nope/weights', { weights: { v1: 100 } })).status).toBe(404)
  })

  it('answers 409 while a running rollout owns the weights, and lets a paused one go', async () => {
    await store.update(M, () => ({ rollout: { status: 'running' } }), { actor: 'rollout', action: 'rollout-start' })
    const refused = await admin('PUT', `/admin/models/${M}/weights`, { weights: { v1: 50, v2: 50 } })
    expect(refused.status).toBe(409)
    expect(refused.body.code).toBe('HEADLINER_ERR_ROLLOUT_STATE')
    await store.update(M, () => ({ rollout: { status: 'paused' } }), { actor: 'rollout', action: 'rollout-pause' })
    expect((await admin('PUT', `/admin/models/${M}/weights`, { weights: { v1: 50, v2: 50 } })).status).toBe(200)
  })

  it('refuses a read token with 403', async () => {
    const res = await admin('PUT', `/admin/models/${M}/weights`, { weights: { v1: 50, v2: 50 } }, READ)
    expect(res.status).toBe(403)
    expect(res.body.code).toBe('HEADLINER_ERR_FORBIDDEN')
    expect(await store.audit({ limit: 10 })).toEqual([])
  })
})

describe('mirrors, overrides, models', () => {
  it('sets a shadow copy percentage, shows file/override/effective, and resets to the file', async () => {
    expect((await admin('PUT', `/admin/models/${M}/mirrors`, { mirrors: { v3: 25 } })).status).toBe(200)
    expect((await admin('PUT', `/admin/models/${M}/mirrors`, { mirrors: { v1: 25 } })).body.error).toMatch(/serves 90% of the traffic/)
    await admin('PUT', `/admin/models/${M}/weights`, { weights: { v1: 70, v2: 30 } })
    const view = (await admin('GET', '/admin/models', undefined, READ)).body.models[0]
    expect(view.file).toEqual({ weights: { v1: 90, v2: 10 }, mirrors: { v3: 0 } })
    expect(view.overrides).toEqual({ weights: { v1: 70, v2: 30 }, mirrors: { v3: 25 } })
    expect(view.effective).toEqual({ weights: { v1: 70, v2: 30 }, mirrors: { v3: 25 } })
    const reset = await admin('DELETE', `/admin/models/${M}/overrides?reason=done`)
    expect(reset.body.versions).toEqual({ v1: { weight: 90 }, v2: { weight: 10 }, v3: { weight: 0, mirror: 0 } })
    const actions = (await store.audit({ limit: 10 })).map((e) => e.action)
    expect(actions).toEqual(['reset-overrides', 'set-weights', 'set-mirrors'])
  })

  it('refuses an audit query with a bad limit', async () => {
    expect((await admin('GET', '/admin/audit?limit=0', undefined, READ)).status).toBe(400)
    expect((await admin('GET', '/admin/audit?limit=x', undefined, READ)).body.code).toBe('HEADLINER_ERR_BAD_REQUEST')
  })

  it('reports the store health in GET /status', async () => {
    const res = await admin('GET', '/status', undefined, READ)
    expect(res.body.state).toEqual({ up: true, detail: expect.any(String), store: 'memory' })
  })
})

describe('config reloads against overrides', () => {
  it('keeps a valid override over the new file and audits the changed effective weights as actor config', async () => {
    await admin('PUT', `/admin/models/${M}/mirrors`, { mirrors: { v3: 25 } })
    await gw.app.reload(ConfigSchema.parse(raw({ v1: { weight: 50 }, v2: { weight: 50 }, v3: { weight: 0, mirror: 0 } })))
    expect(gw.app.runtime.model(M)!.table.versions.map((v) => [v.weight, v.mirror])).toEqual([[50, undefined], [50, undefined], [0, 25]])
    const [entry] = await store.audit({ limit: 1 })
    expect(entry).toMatchObject({ actor: 'config', action: 'config-reload', reason: 'config reload: v1=90,v2=10,v3=mirror 25% -> v1=50,v2=50,v3=mirror 25%' })
  })

  it('drops an override naming a version the file no longer has, with an audit entry, and serves the file', async () => {
    await admin('PUT', `/admin/models/${M}/weights`, { weights: { v1: 20, v2: 80 } })
    await gw.app.reload(ConfigSchema.parse(raw({ v1: { weight: 100 }, v3: { weight: 0, mirror: 0 } })))
    expect(gw.app.runtime.model(M)!.table.versions.map((v) => v.weight)).toEqual([100, 0])
    expect((await store.load()).models[M]).toBeUndefined()
    const [entry] = await store.audit({ limit: 1 })
    expect(entry).toMatchObject({ actor: 'config', action: 'drop-overrides', before: { weights: { v1: 20, v2: 80 } }, after: null })
    expect(entry!.reason).toContain('dropped weights override (v2: the file no longer has this version)')
  })

  it('drops weight overrides that no longer sum to 100 with the new file\'s versions', async () => {
    await admin('PUT', `/admin/models/${M}/weights`, { weights: { v1: 20, v2: 80 } })
    await gw.app.reload(ConfigSchema.parse(raw({ v1: { weight: 80 }, v2: { weight: 10 }, v3: { weight: 0, mirror: 0 }, v4: { url: urls.v2, weight: 10 } })))
    expect(gw.app.runtime.model(M)!.table.versions.map((v) => v.weight)).toEqual([80, 10, 0, 10])
    const [entry] = await store.audit({ limit: 1 })
    expect(entry!.reason).toContain('dropped weights override (weights: weights of serving versions must sum to 100, got 110)')
  })
})
