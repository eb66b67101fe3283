/**
 * No token or secret in any log line, with the logger the real CLI builds (`headliner serve`, debug
 * level so every line is written): the admin token from the environment, bearer tokens sent to the
 * admin API (right and wrong), credentials and cookies sent on the data plane, and the password of
 * the state store's Redis URL, through requests served, refused, failed upstream, a reload and the
 * shutdown. Every secret is sent first, then all the output is searched.
 */
import { writeFileSync } from 'node:fs'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { request } from 'undici'
import { stringify } from 'yaml'
import { deadPort, oipBody, startRecordingUpstream } from '../helpers/gateway.js'
import { listening, spawnHeadliner, writeTempConfig, type Listening, type Spawned } from '../helpers/cli.js'
import { until } from '../helpers/wait.js'

const SECRETS = {
  adminToken: 'adm-secret-7f3a9c',
  wrongToken: 'wrong-secret-4d1e',
  dataBearer: 'data-secret-1b7f',
  cookie: 'cookie-secret-2c9d',
  basic: Buffer.from('alice:basic-secret-3e5a').toString('base64'),
  redis: 'redis-secret-91b2'
}

let up: Awaited<ReturnType<typeof startRecordingUpstream>>
let gw: Listening & Spawned
let file: string
let text: (weight: number) => string

beforeAll(async () => {
  up = await startRecordingUpstream()
  const dead = await deadPort()
  text = (weight: number) => stringify({
    schemaVersion: 1,
    server: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0 },
    // unreachable on purpose: its URL (with the password) is what the store's warnings are about
    state: { store: 'redis', url: `redis://:${SECRETS.redis}@127.0.0.1:${dead}/0` },
    models: { m: { versions: { v1: { url: up.url, weight }, v2: { url: `http://127.0.0.1:${dead}`, weight: 100 - weight } } } }
  })
  file = writeTempConfig('headliner-log-secrets-', {})
  writeFileSync(file, text(100))
  gw = await spawnHeadliner(['serve', '--config', file], listening, { HEADLINER_ADMIN_TOKEN: SECRETS.adminToken, HEADLINER_LOG_LEVEL: 'debug' })
})
afterAll(async () => {
  if (gw !== undefined && gw.child.exitCode === null) gw.child.kill('SIGKILL')
  await up?.close()
})

async function send (url: string, init: Parameters<typeof request>[1] = {}): Promise<number> {
  const res = await request(url, init)
  await res.body.dump()
  return res.statusCode
}

it('writes no token or secret in any line', async () => {
  const data = { authorization: `Bearer ${SECRETS.dataBearer}`, cookie: `session=${SECRETS.cookie}`, 'content-type': 'application/json' }
  expect(await send(gw.data + '/v2/models/m/infer', { method: 'POST', body: oipBody(), headers: data })).toBe(200)
  expect(await send(gw.data + '/v2/models/m/infer', { method: 'POST', body: '{"inputs": 1', headers: { ...data, authorization: `Basic ${SECRETS.basic}` } })).toBe(400)
  // the version that refuses connections: a 502 whose log line carries the operator's detail
  expect(await send(gw.data + '/v2/models/m/versions/v2/infer', { method: 'POST', body: oipBody(), headers: data })).toBeGreaterThanOrEqual(500)
  expect(await send(gw.admin + '/admin/models', { headers: { authorization: `Bearer ${SECRETS.wrongToken}` } })).toBe(401)
  expect(await send(gw.admin + '/admin/models', { headers: { authorization: `Bearer ${SECRETS.adminToken}` } })).toBe(200)
  // a reload (weights change), then the shutdown
  writeFileSync(file, text(90))
  await until(() => gw.out().includes('config reloaded'), 20_000)
  gw.child.kill('SIGTERM')
  await gw.exited
  const out = gw.out()
  expect(out).toMatch(/request completed/)
  expect(out).toMatch(/request failed/)
  expect(out).toMatch(/Redis not reachable/)
  for (const [what, secret] of Object.entries(SECRETS)) expect(out.includes(secret), `${what} in the log`).toBe(false)
}, 60_000)
