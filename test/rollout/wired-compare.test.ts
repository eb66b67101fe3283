/**
 * The agreement gate fed during a rollout, on real sockets: while a step runs, a share of the
 * baseline's requests (`compare`, percent) is copied to the candidate through the shadow dispatcher,
 * each pair is compared, and the pairs reach the gate through the fleet counts. A candidate that
 * answers 200 with other predictions is rolled back on agreement alone (drift gate off); the healthy
 * case promotes with the gate passing (test/rollout/wired.test.ts).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { readDoc } from '../../src/rollout/service.js'
import { startDemoVersions } from '../helpers/gateway.js'
import { until } from '../helpers/wait.js'
import { cli, gateway, GATES, MODEL, startRollout, stored, underLoad, type Closers } from './helpers/wired.js'

const closers: Closers = []
afterEach(async () => { while (closers.length > 0) await closers.pop()!() })

/** A version that is the demo's v1 with its classes shuffled: each answer's scores are reversed. */
async function shuffledClasses (v1Url: string): Promise<{ url: string }> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const init = req.method === 'POST' ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) } : {}
      fetch(`${v1Url}${req.url}`, init).then(async (r) => {
        const body = await r.json() as { outputs?: Array<{ data: number[] }> }
        for (const o of body.outputs ?? []) o.data.reverse()
        res.statusCode = r.status
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify(body))
      }).catch(() => { res.statusCode = 502; res.end('{}') })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closers.push(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

async function rolledBackOnAgreement (candidate: string, url: Record<string, string>): Promise<void> {
  const gw = await gateway(closers, url, candidate)
  // The default agreement gate (floor 0.9, 100 pairs); the drift gate is off, so agreement alone decides.
  await startRollout(gw, '50,100', candidate, GATES, { compare: 50 })
  await until(() => gw.app.runtime.require(MODEL).table.shadows.some((s) => s.name === candidate && s.mirrorOf === 'v1'), 10_000)
  await underLoad(gw, 'rolled_back')
  const doc = readDoc(await stored(gw))!
  const last = doc.state.records.at(-1)!
  expect(doc.spec.gates.predictions).toEqual({ agreementFloor: 0.9, minPairs: 100 })
  expect(last.gates.find((g) => g.gate === 'predictions')?.result).toBe('fail')
  expect(last.gates.find((g) => g.gate === 'drift')).toBeUndefined()
  // Every answer was a 200: the count gates saw no errors.
  expect(last.gates.find((g) => g.gate === 'errors')?.counts?.candidateEvents).toBe(0)
  expect(last.observations.agreement!.total).toBeGreaterThan(0)
  // Only the baseline's requests were copied, never the candidate's own.
  expect(gw.app.shadow.summary(MODEL).map((p) => [p.primary, p.shadow])).toEqual([['v1', candidate]])
  expect(doc.state.reason).toMatch(new RegExp(`^rolled back: predictions: ${candidate} agrees with v1 on [\\d,]+ of [\\d,]+ shadowed requests.* is below the floor 0\\.9`))
  expect((await stored(gw))?.weights).toEqual({ v1: 100, [candidate]: 0 })
  // The copies stop with the rollout.
  await until(() => gw.app.runtime.require(MODEL).table.shadows.length === 0, 5000)
  const explained = await cli(gw, ['rollout', 'explain', MODEL])
  expect(explained.out).toMatch(/predictions fail: .* is below the floor 0\.9/)
}

describe('the agreement gate during a rollout', () => {
  it('rolls back the demo v3 without its processing (HTTP 200, other classes) on agreement with v1', async () => {
    const [v1, v3] = await startDemoVersions(['v1', 'v3'])
    closers.push(() => v1!.close(), () => v3!.close())
    await rolledBackOnAgreement('v3', { v1: v1!.url, v3: v3!.url })
  }, 60_000)

  it('rolls back a candidate whose answers have their classes shuffled', async () => {
    const [v1] = await startDemoVersions(['v1'])
    closers.push(() => v1!.close())
    const v2 = await shuffledClasses(v1!.url)
    await rolledBackOnAgreement('v2', { v1: v1!.url, v2: v2.url })
  }, 60_000)

  it('makes no copies with compare 0, and refuses a compare outside 0-100 with a 400 naming the field', async () => {
    const [v1, v2] = await startDemoVersions(['v1', 'v2'])
    closers.push(() => v1!.close(), () => v2!.close())
    const gw = await gateway(closers, { v1: v1!.url, v2: v2!.url })
    const bad = await fetch(`${gw.adminUrl}/admin/models/${MODEL}/rollout`, {
      method: 'POST', headers: { authorization: 'Bearer rollout-wired-token', 'content-type': 'application/json' },
      body: JSON.stringify({ to: 'v2', compare: 150 })
    })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ code: 'HEADLINER_ERR_BAD_REQUEST', error: expect.stringContaining('compare') })
    await startRollout(gw, '50,100', 'v2', GATES, { compare: 0 })
    await until(async () => readDoc(await stored(gw))?.state.status === 'running', 5000)
    expect(gw.app.runtime.require(MODEL).table.shadows).toEqual([])
    expect(readDoc(await stored(gw))!.spec.gates.predictions).toBeUndefined()
  }, 30_000)
})
