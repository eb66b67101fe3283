/**
 * The release-control commands as a user runs them (the real bin over dist/, run `npm run build`
 * first) against a gateway on real sockets: weights get|set, mirrors set, overrides reset, audit;
 * tables and --json; exit 0 done, 1 refused (bad weights, read token), 2 usage (a malformed pair).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256Hex } from '../../src/admin/tokens.js'
import type { RunningModelServer } from '../../src/demo/model-server.js'
import { runHeadliner, type Run } from '../helpers/cli.js'
import { hitPredictorConfig, startDemoVersions, startGateway, type TestGateway } from '../helpers/gateway.js'

const WRITE = 'cli-write-token'
const READ = 'cli-read-token'
let models: RunningModelServer[]
let gw: TestGateway

/** A release command against the test gateway, as `token`. */
async function headliner (args: string[], token = WRITE): Promise<Run> {
  return await runHeadliner(args, { env: { HEADLINER_GATEWAY: gw.adminUrl, HEADLINER_ADMIN_TOKEN: token } })
}

beforeAll(async () => {
  models = await startDemoVersions(['v1', 'v2', 'v3'])
  const [v1, v2, v3] = models.map((m) => m.url)
  gw = await startGateway({
    ...hitPredictorConfig({ v1: v1!, v2: v2!, v3: v3! }, { v1: { weight: 90 }, v2: { weight: 10 }, v3: { weight: 0, mirror: 0 } }),
    admin: { tokens: [{ name: 'ops', role: 'write', sha256: sha256Hex(WRITE) }, { name: 'viewer', role: 'read', sha256: sha256Hex(READ) }] }
  })
}, 30_000)

afterAll(async () => {
  await gw?.close()
  await Promise.all(models?.map((m) => m.close()) ?? [])
})

describe('headliner weights / mirrors / overrides / audit', () => {
  it('sets weights (exit 0, a table), shows them with --json, and the audit trail names the token and reason', async () => {
    const set = await headliner(['weights', 'set', 'hit-predictor', 'v1=80', 'v2=20', '--reason', 'canary 20%'])
    expect(set.stderr).toBe('')
    expect(set.code).toBe(0)
    expect(set.stdout).toMatch(/^v1\s+90\s+80\s+80\s+-$/m)
    const get = await headliner(['weights', 'get', 'hit-predictor', '--json'], READ)
    expect(get.code).toBe(0)
    expect(JSON.parse(get.stdout)).toMatchObject({ file: { weights: { v1: 90, v2: 10 } }, overrides: { weights: { v1: 80, v2: 20 } }, effective: { weights: { v1: 80, v2: 20 } } })
    const audit = await headliner(['audit', '--model', 'hit-predictor', '--limit', '5'], READ)
    expect(audit.code).toBe(0)
    expect(audit.stdout).toMatch(/ops\s+set-weights\s+hit-predictor\s+\(file\)\s+weights v1=80,v2=20\s+canary 20%/)
  }, 60_000)

  it('sets a mirror and resets to the file', async () => {
    expect((await headliner(['mirrors', 'set', 'hit-predictor', 'v3=25'])).code).toBe(0)
    expect(gw.app.runtime.model('hit-predictor')!.table.byName.get('v3')!.mirror).toBe(25)
    const reset = await headliner(['overrides', 'reset', 'hit-predictor', '--json'])
    expect(reset.code).toBe(0)
    expect(JSON.parse(reset.stdout).versions).toEqual({ v1: { weight: 90 }, v2: { weight: 10 }, v3: { weight: 0, mirror: 0 } })
  }, 60_000)

  it('exits 1 with the gateway\'s reason when the write is refused', async () => {
    const bad = await headliner(['weights', 'set', 'hit-predictor', 'v1=70'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/400 .*weights of serving versions must sum to 100, got 80/)
    const reader = await headliner(['weights', 'set', 'hit-predictor', 'v1=50', 'v2=50'], READ)
    expect(reader.code).toBe(1)
    expect(reader.stderr).toMatch(/403 token "viewer" has role read/)
  }, 60_000)

  it('exits 2 on a malformed pair, before calling the gateway', async () => {
    const res = await headliner(['weights', 'set', 'hit-predictor', 'v1:80'])
    expect(res.code).toBe(2)
    expect(res.stderr).toMatch(/"v1:80" is not VERSION=WEIGHT/)
    expect((await headliner(['mirrors', 'set', 'hit-predictor'])).code).toBe(2)
  }, 60_000)
})
