/**
 * Rollouts end to end on real sockets: a gateway from buildApp (its own driver, counts observer and
 * admin routes on the memory store), demo model servers, a candidate that fails 30 % of its calls,
 * and the `headliner rollout` command table against the admin port. Short steps (1 s) and small
 * minimum samples keep each case well under a minute on a busy machine.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../../src/cli/index.js'
import type { CliContext } from '../../src/cli/command.js'
import { MemoryStore } from '../../src/state/index.js'
import { readDoc } from '../../src/rollout/service.js'
import { hitPredictorConfig, oipBody, SONG_ROW, startDemoVersions, startGateway, type TestGateway } from '../helpers/gateway.js'
import { seeded } from '../helpers/replicas.js'
import { until } from '../helpers/wait.js'

const TOKEN = 'rollout-wired-token'
const MODEL = 'hit-predictor'
/** Small samples, a floor the short test can show evidence against, a latency bound the demo meets. */
const GATES = { errors: { minSamples: 60, floor: 0.05 }, latency: { minSamples: 60, floor: 0.05, sloMs: 2000 } }

const closers: Array<() => Promise<unknown>> = []
afterEach(async () => { while (closers.length > 0) await closers.pop()!() })

/** An OIP upstream that answers a fixed 2-class row and fails `share` of its calls with 500 (seeded). */
async function flakyUpstream (share: number, seed: number): Promise<{ url: string }> {
  const random = seeded(seed)
  const server: Server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.setHeader('content-type', 'application/json')
      if (req.method === 'GET') return res.end(JSON.stringify({ name: MODEL, versions: ['x'], platform: 'flaky', inputs: [], outputs: [] }))
      if (random() < share) { res.statusCode = 500; return res.end('{"error":"boom"}') }
      res.end(JSON.stringify({ model_name: MODEL, outputs: [{ name: 'p', datatype: 'FP32', shape: [1, 2], data: [0.3, 0.7] }] }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closers.push(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

const stores = new WeakMap<TestGateway, MemoryStore>()

async function gateway (urls: Record<string, string>, candidate = 'v2'): Promise<TestGateway> {
  const store = new MemoryStore()
  // Outlier ejection off (failures 1000): an ejected candidate gets no weighted traffic, so a 30 %-failing one
  // could be paused by the split check (its traffic gone) instead of rolled back by the error gate, by chance.
  const gw = await startGateway(hitPredictorConfig(urls, { v1: { weight: 100 }, [candidate]: { weight: 0 } }, { outlier: { failures: 1000 } }), { adminToken: TOKEN, store })
  closers.push(() => gw.close())
  stores.set(gw, store)
  return gw
}

const stored = async (gw: TestGateway) => (await stores.get(gw)!.load()).models[MODEL]

/** Inference calls in the background (no sticky header: routed by weight) until stopped; songs varied around SONG_ROW (seeded). */
function load (url: string): { stop (): Promise<void> } {
  let running = true
  const random = seeded(7)
  const loop = async (): Promise<void> => {
    while (running) {
      const row = SONG_ROW.map((x) => x * (0.5 + random()))
      await fetch(`${url}/v2/models/${MODEL}/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: oipBody([row]) }).then((r) => r.arrayBuffer()).catch(() => undefined)
    }
  }
  const loops = [loop(), loop(), loop()]
  return { async stop () { running = false; await Promise.all(loops) } }
}

async function cli (gw: TestGateway, argv: string[]): Promise<{ code: number | 'running', out: string, err: string }> {
  const out: string[] = []
  const err: string[] = []
  const ctx = { env: { HEADLINER_ADMIN_TOKEN: TOKEN, HEADLINER_GATEWAY: gw.adminUrl }, version: '0', out: (l: string) => out.push(l), err: (l: string) => err.push(l) } as unknown as CliContext
  const code = await runCli(argv, ctx)
  return { code, out: out.join('\n'), err: err.join('\n') }
}

async function status (gw: TestGateway): Promise<string> {
  return readDoc(await stored(gw))?.state.status ?? 'none'
}

/** Waits for the rollout's status; on time-out the error carries the stored state, to say why. */
async function untilStatus (gw: TestGateway, wanted: string, ms: number): Promise<void> {
  try {
    await until(async () => (await status(gw)) === wanted, ms)
  } catch {
    const doc = readDoc(await stored(gw))
    throw new Error(`rollout not ${wanted}: ${doc?.state.status}: ${doc?.state.reason}; last: ${doc?.state.records.at(-1)?.words}; routing ${JSON.stringify(gw.app.release.effective(MODEL))}`)
  }
}

async function startRollout (gw: TestGateway, steps: string, to = 'v2', gates: Record<string, unknown> = GATES): Promise<void> {
  const res = await fetch(`${gw.adminUrl}/admin/models/${MODEL}/rollout`, {
    method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ to, baseline: 'v1', steps: steps.split(',').map(Number), stepTimeMs: 1000, maxStepTimeMs: 45_000, gates })
  })
  expect(res.status, await res.clone().text()).toBe(201)
}

describe('a rollout through the gateway', () => {
  it('promotes a healthy candidate to 100 % in the store, refuses hand-set weights meanwhile, and explains each step', async () => {
    const [v1, v2] = await startDemoVersions(['v1', 'v2'])
    closers.push(() => v1!.close(), () => v2!.close())
    const gw = await gateway({ v1: v1!.url, v2: v2!.url })
    const start = await cli(gw, ['rollout', 'start', MODEL, '--to', 'v2', '--steps', '50,100', '--step-time', '1s'])
    // The CLI start takes the default gates; this test needs small samples, so it aborts that and starts its own.
    expect(start.code, start.err).toBe(0)
    expect(start.out).toContain('running')
    const put = await fetch(`${gw.adminUrl}/admin/models/${MODEL}/weights`, { method: 'PUT', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ weights: { v1: 0, v2: 100 } }) })
    expect(put.status).toBe(409)
    expect((await cli(gw, ['rollout', 'abort', MODEL, '--reason', 'restart with test gates'])).code).toBe(0)
    await startRollout(gw, '25,50,100')
    const traffic = load(gw.url)
    try {
      await untilStatus(gw, 'promoted', 50_000)
    } finally {
      await traffic.stop()
    }
    expect((await stored(gw))?.weights).toEqual({ v1: 0, v2: 100 })
    const models = await (await fetch(`${gw.adminUrl}/admin/models`, { headers: { authorization: `Bearer ${TOKEN}` } })).json() as { models: Array<{ effective: { weights: Record<string, number> }, rollout: { state: string, step: number } }> }
    expect(models.models[0]?.effective.weights).toEqual({ v1: 0, v2: 100 })
    expect(models.models[0]?.rollout).toMatchObject({ state: 'promoted', step: 100 })
    const explained = await cli(gw, ['rollout', 'explain', MODEL])
    expect(explained.code, explained.err).toBe(0)
    expect(explained.out).toMatch(/step 1 \(v2 at 25 %.*\): waited/)
    expect(explained.out).toMatch(/step 1 \(v2 at 25 %.*\): advanced/)
    expect(explained.out).toMatch(/step 2 \(v2 at 50 %.*\): promoted/)
    expect(explained.out).toMatch(/within 1\.5x the baseline|below the floor/)
  }, 60_000)

  it('rolls a candidate that fails 30 % of its calls back at its first step, with the reason in the audit', async () => {
    const [v1] = await startDemoVersions(['v1'])
    closers.push(() => v1!.close())
    const v2 = await flakyUpstream(0.3, 11)
    const gw = await gateway({ v1: v1!.url, v2: v2.url })
    await startRollout(gw, '50,100')
    const traffic = load(gw.url)
    try {
      await untilStatus(gw, 'rolled_back', 50_000)
    } finally {
      await traffic.stop()
    }
    const doc = readDoc(await stored(gw))!
    expect(doc.state.stepIndex).toBe(0)
    expect(doc.state.reason).toMatch(/error/)
    expect((await stored(gw))?.weights).toEqual({ v1: 100, v2: 0 })
    await until(() => gw.app.runtime.require(MODEL).table.versions.find((v) => v.name === 'v2')?.weight === 0, 5000)
    const audit = await cli(gw, ['audit', '--model', MODEL, '--json'])
    const entries = JSON.parse(audit.out) as Array<{ actor: string, action: string, reason: string }>
    expect(entries.find((e) => e.actor === 'rollout' && /roll/.test(e.action))?.reason).toMatch(/error/)
    const explained = await cli(gw, ['rollout', 'explain', MODEL])
    expect(explained.out).toMatch(/errors \d+ of \d+/)
    expect(explained.out).toMatch(/higher than the baseline/)
  }, 60_000)

  it('rolls back a candidate that answers 200 with other predictions (the demo v3 without its processing) on the prediction drift gate', async () => {
    const [v1, v3] = await startDemoVersions(['v1', 'v3'])
    closers.push(() => v1!.close(), () => v3!.close())
    const gw = await gateway({ v1: v1!.url, v3: v3!.url }, 'v3')
    await startRollout(gw, '50,100', 'v3', { ...GATES, drift: { jsMax: 0.2, minSamples: 40 } })
    const traffic = load(gw.url)
    try {
      await untilStatus(gw, 'rolled_back', 50_000)
    } finally {
      await traffic.stop()
    }
    const doc = readDoc(await stored(gw))!
    const last = doc.state.records.at(-1)!
    expect(last.gates.find((g) => g.gate === 'drift')?.result).toBe('fail')
    // Every answer was a 200: the count gates saw no errors.
    expect(last.gates.find((g) => g.gate === 'errors')?.counts?.candidateEvents).toBe(0)
    expect((await stored(gw))?.weights).toEqual({ v1: 100, v3: 0 })
    const explained = await cli(gw, ['rollout', 'explain', MODEL])
    expect(explained.out).toMatch(/drift fail: .*JS distance [0-9.]+ > 0\.2/)
  }, 60_000)

  it('answers a usage error of the rollout command with exit 2', async () => {
    const out: string[] = []
    const ctx = { env: {}, version: '0', out: (l: string) => out.push(l), err: (l: string) => out.push(l) } as unknown as CliContext
    expect(await runCli(['rollout', 'start', MODEL], ctx)).toBe(2)
    expect(out.join('\n')).toContain('--to VERSION')
    expect(await runCli(['rollout', 'frobnicate', MODEL], ctx)).toBe(2)
  })
})
