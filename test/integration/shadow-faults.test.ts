/**
 * Shadows that fail cost a counter, never the primary's slots or answers: a 5xx shadow opens the
 * breaker (before, a 5xx counted as a success), and a shadow whose answer never ends is cut at the
 * shadow timeout, so its in-flight slots come back.
 */
import { describe, expect, it } from 'vitest'
import { request } from 'undici'
import { oipBody, startGateway, type TestGateway, useDemoVersions } from '../helpers/gateway.js'
import { startFaultServer, startFaultyUpstream } from '../helpers/fault-server.js'
import { until } from '../helpers/wait.js'

const { models: demo, closers } = useDemoVersions(['v1'])

async function infer (gw: TestGateway): Promise<number> {
  const res = await request(gw.url + '/v2/models/hit-predictor/infer', { method: 'POST', body: oipBody(), headers: { 'content-type': 'application/json' } })
  await res.body.dump()
  return res.statusCode
}

async function shadowOutcome (gw: TestGateway, outcome: string): Promise<number> {
  const text = await (await request(gw.adminUrl + '/metrics')).body.text()
  const m = new RegExp(`^headliner_shadow_requests_total\\{model="hit-predictor",version="s",outcome="${outcome}"\\} (\\d+)`, 'm').exec(text)
  return m === null ? 0 : Number(m[1])
}

describe('a shadow answering 5xx', () => {
  it('opens the breaker after 5 failures: further copies are dropped, not sent', async () => {
    const bad = await startFaultyUpstream('status500')
    closers.push(() => bad.close())
    const gw = await startGateway({ schemaVersion: 1, models: { 'hit-predictor': { shadow: { breaker: { failures: 5, cooldownMs: 60_000 } }, versions: { v1: { url: demo[0]!.url, weight: 100 }, s: { url: bad.url, mirror: 100 } } } } })
    closers.push(() => gw.close())
    for (let i = 0; i < 5; i++) {
      expect(await infer(gw)).toBe(200)
      await until(() => bad.hits() === i + 1)
    }
    for (let i = 0; i < 10; i++) expect(await infer(gw)).toBe(200)
    await until(async () => await shadowOutcome(gw, 'dropped') === 10)
    expect(bad.hits()).toBe(5)
  })
})

describe('a shadow whose answer never ends', () => {
  it('is cut at the shadow timeout and frees its slot: later copies are sent, not dropped', async () => {
    // Headers, then nothing, forever.
    const stuck = await startFaultServer({ fault: 'hang-after-headers', name: 'hit-predictor' })
    closers.push(() => stuck.close())
    const gw = await startGateway({ schemaVersion: 1, models: { 'hit-predictor': { shadow: { timeoutMs: 300, maxInflight: 2, breaker: { failures: 1000 } }, versions: { v1: { url: demo[0]!.url, weight: 100 }, s: { url: stuck.url, mirror: 100 } } } } })
    closers.push(() => gw.close())
    for (let round = 1; round <= 3; round++) {
      expect(await infer(gw)).toBe(200)
      expect(await infer(gw)).toBe(200)
      await until(async () => await shadowOutcome(gw, 'timeout') === round * 2, 10_000)
      await until(() => stuck.open() === 0, 10_000)
    }
    expect(await shadowOutcome(gw, 'dropped')).toBe(0)
  })
})

describe('a very large answer', () => {
  it('is not compared on the event loop: the comparison counts as skipped', async () => {
    // ~400 KB (past the 256 KiB bound), to the primary and its shadow alike
    const big = await startFaultServer({ fault: 'large', name: 'hit-predictor' })
    closers.push(() => big.close())
    const url = big.url
    const gw = await startGateway({ schemaVersion: 1, models: { 'hit-predictor': { versions: { v1: { url, weight: 100 }, s: { url, mirror: 100 } } } } })
    closers.push(() => gw.close())
    for (let i = 0; i < 3; i++) expect(await infer(gw)).toBe(200)
    const comparisons = async (outcome: string) => {
      const text = await (await request(gw.adminUrl + '/metrics')).body.text()
      const m = new RegExp(`^headliner_shadow_comparisons_total\\{model="hit-predictor",primary="v1",shadow="s",outcome="${outcome}"\\} (\\d+)`, 'm').exec(text)
      return m === null ? 0 : Number(m[1])
    }
    await until(async () => await comparisons('skipped') === 3, 20_000)
    expect(await comparisons('agree') + await comparisons('disagree')).toBe(0)
  })
})
