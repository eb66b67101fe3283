import type { ChildProcess } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { semanticProblems } from '../../src/config/semantic.js'
import { DEMO_SCENARIOS, demoBanner, demoConfig } from '../../src/cli/demo.js'
import { generateSong, mulberry32, songToRow } from '../../src/demo/songs.js'
import { until } from '../helpers/wait.js'
import { spawnHeadliner } from '../helpers/cli.js'

let child: ChildProcess | undefined

afterEach(() => { child?.kill('SIGTERM'); child = undefined })

/** Start `headliner demo` on free ports and read the banner: data URL, admin URL, token. */
async function startDemo (scenario: string): Promise<{ data: string; admin: string; token: string }> {
  const demo = await spawnHeadliner(['demo', '--host', '127.0.0.1', '--port', '0', '--admin-port', '0', '--model-port', '0', '--scenario', scenario], (out) => {
    const data = /data plane\s+(http:\/\/\S+)/.exec(out)
    const admin = /admin API\s+(http:\/\/\S+)\/admin\/models\s+\(authorization: Bearer (\S+)\)/.exec(out)
    return data !== null && admin !== null && out.includes('Try:') ? { data: data[1]!, admin: admin[1]!, token: admin[2]! } : undefined
  }, { HEADLINER_LOG_LEVEL: 'warn' })
  child = demo.child
  return demo
}

describe('demo configs', () => {
  it('every scenario is a valid config', () => {
    for (const scenario of DEMO_SCENARIOS) {
      const config = demoConfig({ host: '127.0.0.1', port: 0, adminPort: 0, modelPort: 0, scenario }, { v1: 'http://127.0.0.1:1', v2: 'http://127.0.0.1:2', v3: 'http://127.0.0.1:3' })
      expect(semanticProblems(config)).toEqual([])
    }
  })
})

describe('demo banner', () => {
  it('names the console URL and the headliner status command with the token first', () => {
    const lines = demoBanner('http://127.0.0.1:8080', 'http://127.0.0.1:9901', 'tok-1', 'default').split('\n')
    expect(lines[2]).toBe('  console      http://127.0.0.1:9901/  (open it in a browser; paste the token below)')
    expect(lines[3]).toBe('  status       npm run headliner -- status --gateway http://127.0.0.1:9901 --token tok-1')
  })
})

describe('headliner demo', () => {
  it('serves the hit predictor with no config: tensors in, and named features in with country names out', async () => {
    const demo = await startDemo('default')
    const song = generateSong(mulberry32(1))
    const v2 = await request(`${demo.data}/v2/models/hit-predictor/infer`, { method: 'POST', body: JSON.stringify({ inputs: [{ name: 'song_features', shape: [1, 12], datatype: 'FP32', data: songToRow(song) }] }) })
    expect(v2.statusCode).toBe(200)
    expect(((await v2.body.json()) as { outputs: { shape: number[] }[] }).outputs[0]!.shape).toEqual([1, 72])
    const v1 = await request(`${demo.data}/v1/models/hit-predictor:predict`, { method: 'POST', body: JSON.stringify({ instances: [song] }) })
    expect(v1.statusCode).toBe(200)
    const body = await v1.body.json() as { predictions: { top: { country: string; name: string }[] }[] }
    expect(body.predictions[0]!.top[0]!.country).toMatch(/^[A-Z]{2}$/)
    const ready = await request(`${demo.data}/v2/health/ready`)
    expect(ready.statusCode).toBe(200)
    await ready.body.dump()
  })

  it('shadows scenario: v2 agrees with v1 far more often than v3 does', async () => {
    const demo = await startDemo('shadows')
    const random = mulberry32(9)
    for (let i = 0; i < 200; i++) {
      const res = await request(`${demo.data}/v2/models/hit-predictor/infer`, { method: 'POST', body: JSON.stringify({ inputs: [{ name: 'song_features', shape: [1, 12], datatype: 'FP32', data: songToRow(generateSong(random)) }] }) })
      expect(res.statusCode).toBe(200)
      await res.body.dump()
    }
    type Summary = { shadows: { version: string; pairs: { total: number; agreementRate: number }[] }[] }
    let summary: Summary | undefined
    await until(async () => {
      const res = await request(`${demo.admin}/admin/models/hit-predictor/shadow`, { headers: { authorization: `Bearer ${demo.token}` } })
      summary = await res.body.json() as Summary
      return summary.shadows.every((s) => s.pairs[0]?.total === 200)
    })
    const rate = (v: string) => summary!.shadows.find((s) => s.version === v)!.pairs[0]!.agreementRate
    // measured over 2000 songs: 0.88 (v2) and 0.03 (v3); 200 songs keep them far apart
    expect(rate('v2')).toBeGreaterThan(0.7)
    expect(rate('v3')).toBeLessThan(0.2)
  })

  it('stale-transform scenario: v3 is refused with the reason and its traffic falls back', async () => {
    const demo = await startDemo('stale-transform')
    const res = await request(`${demo.admin}/status`, { headers: { authorization: `Bearer ${demo.token}` } })
    const status = await res.body.json() as { verdict: string; models: { reasons: string[] }[] }
    expect(status.verdict).toBe('degraded')
    expect(status.models[0]!.reasons[0]).toMatch(/^v3 not ready: transform .*v2\/transform\.yaml does not match the upstream: input "song_features": upstream expects name "song_features_v3"/)
  })
})
