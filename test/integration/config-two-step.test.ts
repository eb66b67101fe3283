import { appendFileSync, writeFileSync } from 'node:fs'
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

// Regression: a config file written in two steps (truncate and write the first half, then append the
// rest) was applied half-written, and the model in the second half answered 404 for a moment.
let models: RunningModelServer[]
let gw: RunningGateway
let file: string

/** Two models; `second` comes last in the YAML, so the first half of the file is a valid config without it. */
const twoModels = (w1: number, w2: number) => ({
  first: { versions: { v1: { url: models[0]!.url, upstreamModel: 'hit-predictor', weight: w1 }, v2: { url: models[1]!.url, upstreamModel: 'hit-predictor', weight: w2 } } },
  second: { versions: { v1: { url: models[0]!.url, upstreamModel: 'hit-predictor', weight: 100 } } }
})

beforeAll(async () => {
  models = await startDemoVersions(['v1', 'v2'])
  file = writeTempConfig('headliner-two-step-', twoModels(100, 0))
  const loaded = loadConfigFile(file)
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'))
  gw = await serve(loaded.config, pino(new Writable({ write (_c, _e, cb) { cb() } })), { version: 'test', file })
})

afterAll(async () => {
  await gw.close()
  await Promise.all(models.map((m) => m.close()))
})

const weightOfV2 = async () => {
  const text = await (await request(gw.adminUrl + '/metrics')).body.text()
  return /headliner_route_weight_percent\{model="first",version="v2"\} (\d+)/.exec(text)?.[1]
}

describe('a config file written in two steps', () => {
  it('is applied only once complete: the model in the second half never answers 404 in between', async () => {
    const text = configYaml(twoModels(0, 100))
    const cut = text.indexOf('  second:')
    expect(cut).toBeGreaterThan(0)
    const statuses = new Map<number, number>()
    let writing = true
    // Drive requests to `second` while the file is written, and until the new config is in.
    const driver = (async () => {
      const end = Date.now() + 20_000
      while (writing && Date.now() < end) {
        const res = await request(gw.dataUrl + '/v2/models/second/infer', { method: 'POST', body: oipBody() })
        await res.body.dump()
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
      }
    })()
    writeFileSync(file, text.slice(0, cut))
    // A writer that pauses between its two writes (longer than the old 100 ms debounce).
    await new Promise((resolve) => setTimeout(resolve, 250))
    appendFileSync(file, text.slice(cut))
    await until(async () => (await weightOfV2()) === '100', 15_000)
    // and a few more requests after the new weights are in
    const total = () => [...statuses.values()].reduce((a, b) => a + b, 0)
    const seen = total()
    await until(() => total() >= seen + 20, 15_000)
    writing = false
    await driver
    expect([...statuses.keys()]).toEqual([200])
    expect(statuses.get(200)).toBeGreaterThan(10)
  })
})
