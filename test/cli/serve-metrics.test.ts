import { renameSync, writeFileSync } from 'node:fs'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { request } from 'undici'
import { stringify } from 'yaml'
import { loadConfigFile } from '../../src/config/load.js'
import { serve, type RunningGateway } from '../../src/cli/serve.js'
import type { RunningModelServer } from '../../src/demo/model-server.js'
import { startDemoVersions } from '../helpers/gateway.js'
import { until } from '../helpers/wait.js'
import { writeTempConfig } from '../helpers/cli.js'
import { parseExposition, select } from '../helpers/prometheus.js'

// `serve` as the CLI runs it, on real sockets: the control-plane metrics are set from the first
// load on, a refused reload shows in the gauges, /metrics negotiates OpenMetrics, and the optional
// metrics listener answers /metrics and nothing else.

const PROMETHEUS_ACCEPT = 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'

let models: RunningModelServer[]
let gw: RunningGateway
let file: string

const models2 = (w1: number, w2: number) => ({ 'hit-predictor': { versions: { v1: { url: models[0]!.url, weight: w1 }, v2: { url: models[1]!.url, weight: w2 } } } })

/** A config file with the metrics listener on: server, admin and metrics on 127.0.0.1 port 0. */
function configText (w1: number, w2: number): string {
  const local = { host: '127.0.0.1', port: 0 }
  return stringify({ schemaVersion: 1, server: local, admin: local, metrics: local, models: models2(w1, w2) })
}

function replaceFile (text: string): void {
  writeFileSync(file + '.tmp', text)
  renameSync(file + '.tmp', file)
}

const scrape = async (base: string, accept?: string) => {
  const res = await request(base + '/metrics', { headers: accept === undefined ? {} : { accept } })
  return { status: res.statusCode, type: String(res.headers['content-type']), text: await res.body.text() }
}
const value = async (name: string, labels: Record<string, string> = {}) => select(parseExposition((await scrape(gw.adminUrl)).text).filter((s) => s.labels.__name__ === name), labels)[0]?.value

beforeAll(async () => {
  models = await startDemoVersions(['v1', 'v2'])
  file = writeTempConfig('headliner-serve-metrics-', {})
  replaceFile(configText(75, 25))
  const loaded = loadConfigFile(file)
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'))
  gw = await serve(loaded.config, pino(new Writable({ write (_c, _e, cb) { cb() } })), { version: '9.8.7', file })
})

afterAll(async () => {
  await gw?.close()
  await Promise.all((models ?? []).map((m) => m.close()))
})

describe('control-plane metrics from serve', () => {
  it('headliner_build_info carries the version and the Node.js version', async () => {
    expect(await value('headliner_build_info', { version: '9.8.7', node: process.version })).toBe(1)
  })

  it('the first load sets the reload gauges, with its timestamp, but is not counted as a reload', async () => {
    expect(await value('headliner_config_last_reload_successful')).toBe(1)
    expect(await value('headliner_config_last_reload_success_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 600)
    expect(await value('headliner_config_reloads_total', { result: 'success' })).toBe(0)
  })

  it('weights are exposed as a 0-1 ratio beside the deprecated percent gauge', async () => {
    expect(await value('headliner_route_weight_ratio', { model: 'hit-predictor', version: 'v2' })).toBe(0.25)
    expect(await value('headliner_route_weight_percent', { model: 'hit-predictor', version: 'v2' })).toBe(25)
  })

  it('a refused edit sets last_reload_successful to 0; the next good one back to 1', async () => {
    replaceFile(configText(75, 25).replace('weight: 25', 'weight: "lots"'))
    await until(async () => (await value('headliner_config_last_reload_successful')) === 0, 15_000)
    expect(await value('headliner_config_reloads_total', { result: 'failure' })).toBeGreaterThanOrEqual(1)
    replaceFile(configText(50, 50))
    await until(async () => (await value('headliner_config_last_reload_successful')) === 1, 15_000)
    expect(await value('headliner_route_weight_ratio', { model: 'hit-predictor', version: 'v2' })).toBe(0.5)
  })

  it('/metrics answers text by default and OpenMetrics only to a registry with exemplars', async () => {
    const plain = await scrape(gw.adminUrl)
    expect(plain.type).toMatch(/^text\/plain/)
    // Tracing is off here, so the registry holds no exemplars: a Prometheus scrape still gets text.
    expect((await scrape(gw.adminUrl, PROMETHEUS_ACCEPT)).type).toMatch(/^text\/plain/)
  })
})

describe('the metrics listener (config `metrics:`)', () => {
  it('serves /metrics on its own port', async () => {
    expect(gw.metricsUrl).toBeDefined()
    expect(gw.metricsUrl).not.toBe(gw.adminUrl)
    const res = await scrape(gw.metricsUrl!)
    expect(res.status).toBe(200)
    expect(res.text).toContain('headliner_build_info{')
  })

  it('serves nothing else: the admin API is not reachable there', async () => {
    for (const path of ['/admin/models', '/admin/status', '/v2/health/ready', '/']) {
      const res = await request(gw.metricsUrl! + path, { headers: { authorization: 'Bearer anything' } })
      const body = await res.body.json() as { code?: string }
      expect(res.statusCode, path).toBe(404)
      expect(body.code, path).toBe('HEADLINER_ERR_NOT_FOUND')
    }
  })
})
