import { renameSync, writeFileSync } from 'node:fs'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { request } from 'undici'
import { loadConfigFile } from '../../src/config/load.js'
import { serve, type RunningGateway } from '../../src/cli/serve.js'
import { oipBody, startDemoVersions } from '../helpers/gateway.js'
import type { RunningModelServer } from '../../src/demo/model-server.js'
import { until } from '../helpers/wait.js'
import { configYaml, writeTempConfig } from '../helpers/cli.js'

let models: RunningModelServer[]
let gw: RunningGateway
let file: string
const logs: string[] = []

const weights = (w1: number, w2: number) => ({ 'hit-predictor': { versions: { v1: { url: models[0]!.url, weight: w1 }, v2: { url: models[1]!.url, weight: w2 } } } })

/** Write the file the way editors and ConfigMaps do: a new file renamed over the old one. */
function replaceFile (text: string): void {
  writeFileSync(file + '.tmp', text)
  renameSync(file + '.tmp', file)
}

const metrics = async () => (await request(gw.adminUrl + '/metrics')).body.text()

beforeAll(async () => {
  models = await startDemoVersions(['v1', 'v2'])
  file = writeTempConfig('headliner-reload-', weights(100, 0))
  const loaded = loadConfigFile(file)
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'))
  const logger = pino(new Writable({ write (c, _e, cb) { logs.push(String(c)); cb() } }))
  gw = await serve(loaded.config, logger, { version: 'test', file })
})

afterAll(async () => {
  await gw.close()
  await Promise.all(models.map((m) => m.close()))
})

describe('config hot reload', () => {
  it('swaps in a valid change without a restart', async () => {
    const before = await request(gw.dataUrl + '/v2/models/hit-predictor/infer', { method: 'POST', body: oipBody() })
    expect(before.headers['x-headliner-version']).toBe('v1')
    await before.body.dump()
    replaceFile(configYaml(weights(0, 100)))
    await until(async () => (await metrics()).includes('headliner_route_weight_percent{model="hit-predictor",version="v2"} 100'))
    const after = await request(gw.dataUrl + '/v2/models/hit-predictor/infer', { method: 'POST', body: oipBody() })
    expect(after.headers['x-headliner-version']).toBe('v2')
    await after.body.dump()
    expect(await metrics()).toContain('headliner_config_reloads_total{result="success"} 1')
  })

  it('refuses an invalid change, counts and logs it, and keeps serving the last good config', async () => {
    replaceFile(configYaml(weights(60, 60)))
    await until(async () => (await metrics()).includes('headliner_config_reloads_total{result="failure"} 1'))
    const res = await request(gw.dataUrl + '/v2/models/hit-predictor/infer', { method: 'POST', body: oipBody() })
    expect(res.statusCode).toBe(200)
    expect(res.headers['x-headliner-version']).toBe('v2')
    await res.body.dump()
    const refused = logs.map((l) => JSON.parse(l) as { msg: string; problems?: string[] }).find((l) => l.msg.startsWith('config change refused'))
    expect(refused?.problems).toEqual(['models.hit-predictor.versions: weights of serving versions must sum to 100, got 120 (line 10, column 5)'])
  })
})
