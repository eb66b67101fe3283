/**
 * The parts of the end-to-end rollout tests (test/rollout/wired*.test.ts): a gateway from buildApp on
 * the memory store with default outlier ejection, a seeded upstream that fails a share of its calls,
 * background traffic routed by weight, the CLI against the admin port, and waits that say why they
 * timed out. Each test pushes its own closers and runs them in afterEach.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect } from 'vitest'
import { runCli } from '../../../src/cli/index.js'
import type { CliContext } from '../../../src/cli/command.js'
import { MemoryStore } from '../../../src/state/index.js'
import { readDoc } from '../../../src/rollout/service.js'
import { hitPredictorConfig, oipBody, SONG_ROW, startGateway, type TestGateway } from '../../helpers/gateway.js'
import { mulberry32 as seeded } from '../../../src/demo/songs.js'
import { until } from '../../helpers/wait.js'

export const TOKEN = 'rollout-wired-token'
export const MODEL = 'hit-predictor'
/** Small samples, a floor the short test can show evidence against, a latency bound the demo meets. */
export const GATES = { errors: { minSamples: 60, floor: 0.05 }, latency: { minSamples: 60, floor: 0.05, sloMs: 2000 } }

export type Closers = Array<() => Promise<unknown>>

/**
 * An OIP upstream that answers a fixed 2-class row and fails `share` of its calls with 500, seeded:
 * the n-th primary call gets the n-th draw whatever the timing (after `failFirst` calls that all fail). Shadow copies (the rollout's
 * comparison) draw from a generator of their own, so they do not shift the primary calls' draws.
 */
export async function flakyUpstream (closers: Closers, share: number, seed: number, failFirst = 0): Promise<{ url: string }> {
  const draws = seeded(seed)
  let calls = 0
  // The first `failFirst` primary calls fail whatever the draw (a burst that ejects on any interleaving).
  const primary = () => { calls++; return calls <= failFirst ? -1 : draws() }
  const shadow = seeded(seed + 1)
  const server: Server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.setHeader('content-type', 'application/json')
      if (req.method === 'GET') return res.end(JSON.stringify({ name: MODEL, versions: ['x'], platform: 'flaky', inputs: [], outputs: [] }))
      const random = req.headers['x-headliner-shadow'] === undefined ? primary : shadow
      if (random() < share) { res.statusCode = 500; return res.end('{"error":"boom"}') }
      res.end(JSON.stringify({ model_name: MODEL, outputs: [{ name: 'p', datatype: 'FP32', shape: [1, 2], data: [0.3, 0.7] }] }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closers.push(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

const stores = new WeakMap<TestGateway, MemoryStore>()

/** A gateway with v1 at 100 and the candidate at 0; the model's outlier settings are the defaults (5 in a row). */
export async function gateway (closers: Closers, urls: Record<string, string>, candidate = 'v2'): Promise<TestGateway> {
  const store = new MemoryStore()
  const gw = await startGateway(hitPredictorConfig(urls, { v1: { weight: 100 }, [candidate]: { weight: 0 } }), { adminToken: TOKEN, store })
  closers.push(() => gw.close())
  stores.set(gw, store)
  return gw
}

export const stored = async (gw: TestGateway) => (await stores.get(gw)!.load()).models[MODEL]

/** Inference calls in the background (no sticky header: routed by weight) until stopped; songs varied around SONG_ROW (seeded). */
export function load (url: string): { stop (): Promise<void> } {
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

export async function cli (gw: TestGateway, argv: string[]): Promise<{ code: number | 'running', out: string, err: string }> {
  const out: string[] = []
  const err: string[] = []
  const ctx = { env: { HEADLINER_ADMIN_TOKEN: TOKEN, HEADLINER_GATEWAY: gw.adminUrl }, version: '0', out: (l: string) => out.push(l), err: (l: string) => err.push(l) } as unknown as CliContext
  const code = await runCli(argv, ctx)
  return { code, out: out.join('\n'), err: err.join('\n') }
}

export async function status (gw: TestGateway): Promise<string> {
  return readDoc(await stored(gw))?.state.status ?? 'none'
}

/** Waits for the rollout's status; on time-out the error carries the stored state, to say why. */
export async function untilStatus (gw: TestGateway, wanted: string, ms: number): Promise<void> {
  try {
    await until(async () => (await status(gw)) === wanted, ms)
  } catch {
    const doc = readDoc(await stored(gw))
    throw new Error(`rollout not ${wanted}: ${doc?.state.status}: ${doc?.state.reason}; last: ${doc?.state.records.at(-1)?.words}; routing ${JSON.stringify(gw.app.release.effective(MODEL))}`)
  }
}

/** Starts a rollout by the admin API with 1 s steps; `extra` adds start fields (compare, ...). */
export async function startRollout (gw: TestGateway, steps: string, to = 'v2', gates: Record<string, unknown> = GATES, extra: Record<string, unknown> = {}): Promise<void> {
  const res = await fetch(`${gw.adminUrl}/admin/models/${MODEL}/rollout`, {
    method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ to, baseline: 'v1', steps: steps.split(',').map(Number), stepTimeMs: 1000, maxStepTimeMs: 45_000, gates, ...extra })
  })
  expect(res.status, await res.clone().text()).toBe(201)
}

/** Runs background traffic until the rollout reaches `wanted` (bounded by `ms`). */
export async function underLoad (gw: TestGateway, wanted: string, ms = 50_000): Promise<void> {
  const traffic = load(gw.url)
  try {
    await untilStatus(gw, wanted, ms)
  } finally {
    await traffic.stop()
  }
}
