/** Plain-text tables and the admin client's one-line errors (a real gateway and real sockets). */
import { createServer } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { table } from '../../src/cli/table.js'
import { AdminCallError, adminClient } from '../../src/cli/admin-client.js'
import { deadPort, startDemoVersions, startGateway, type TestGateway } from '../helpers/gateway.js'
import type { RunningModelServer } from '../../src/demo/model-server.js'

describe('table', () => {
  it('pads columns to the widest cell and right-aligns numbers', () => {
    expect(table(['version', 'weight', 'ready'], [['v1', 90, true], ['v2', 10, false], ['v3', null, true]]).split('\n')).toEqual([
      'version  weight  ready',
      'v1           90  true',
      'v2           10  false',
      'v3            -  true'
    ])
  })

  it('prints a header alone for no rows', () => {
    expect(table(['a', 'b'], [])).toBe('a  b')
  })
})

describe('adminClient', () => {
  let models: RunningModelServer[]
  let gw: TestGateway
  beforeAll(async () => {
    models = await startDemoVersions(['v1'])
    gw = await startGateway({ schemaVersion: 1, models: { m: { versions: { v1: { url: models[0]!.url, weight: 100 } } } } }, { adminToken: 'tok' })
  })
  afterAll(async () => {
    await gw?.close()
    await Promise.all(models.map((m) => m.close()))
  })

  const flags = { timeout: 5000 }

  it('reads with the token from --token, the env or a token file', async () => {
    const viaFlag = adminClient({ ...flags, gateway: gw.adminUrl, token: 'tok' }, {})
    expect((await viaFlag.call<{ models: { name: string }[] }>('GET', '/admin/models')).models[0]!.name).toBe('m')
    const viaEnv = adminClient(flags, { HEADLINER_GATEWAY: gw.adminUrl, HEADLINER_ADMIN_TOKEN: 'tok' })
    expect(viaEnv.baseUrl).toBe(gw.adminUrl)
    await expect(viaEnv.call('GET', '/admin/models')).resolves.toBeDefined()
  })

  it('turns a refusal into one line with the status, the error and a hint', async () => {
    const client = adminClient({ ...flags, gateway: gw.adminUrl }, {})
    const err = await client.call('GET', '/admin/models').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AdminCallError)
    expect(err).toMatchObject({ status: 401, code: 'HEADLINER_ERR_UNAUTHORIZED' })
    expect((err as Error).message).toBe('GET /admin/models: 401 missing or wrong bearer token (send "authorization: Bearer <HEADLINER_ADMIN_TOKEN>") (no token given: --token, HEADLINER_ADMIN_TOKEN or --token-file)')
  })

  it('says so in one line when nothing listens', async () => {
    const port = await deadPort()
    const client = adminClient({ ...flags, gateway: `http://127.0.0.1:${port}` }, {})
    await expect(client.call('GET', '/status')).rejects.toThrow(`GET http://127.0.0.1:${port}/status: connect ECONNREFUSED 127.0.0.1:${port}`)
  })

  it('gives up after --timeout on a gateway that never answers', async () => {
    const silent = createServer(() => { /* never answers */ })
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const { port } = silent.address() as { port: number }
    try {
      const client = adminClient({ timeout: 300, gateway: `http://127.0.0.1:${port}` }, {})
      await expect(client.call('GET', '/status')).rejects.toThrow(`GET http://127.0.0.1:${port}/status: no answer within 300 ms`)
    } finally {
      silent.closeAllConnections()
      silent.close()
    }
  })
})
