/**
 * N real gateway processes (`headliner serve`, compiled dist/) sharing one config file and one
 * redis-server, as replicas behind a Service would; helpers to call their admin APIs, read what
 * each routes, and keep steady load on their data planes while counting every failed request.
 */
import { afterAll, beforeAll, expect } from 'vitest'
import { until } from './wait.js'
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, request } from 'undici'
import { stringify } from 'yaml'
import { spawn } from 'node:child_process'
import { needDist, ROOT, type Listening, type Spawned } from './cli.js'
import { freePort, waitFor } from './prometheus.js'
import { oipBody, startDemoVersions } from './gateway.js'
import { redisMissing, startRedis, type RunningRedis } from './redis.js'
import type { RunningModelServer } from '../../src/demo/model-server.js'

export const TOKEN = 'replica-test-write-token'
export const MODEL = 'hit-predictor'
export type Versions = Record<string, Record<string, unknown>>

export interface Replicas {
  /** The first replica's config file. */
  file: string
  nodes: (Listening & Spawned)[]
  /** Rewrites the shared config file atomically (temp file + rename, as a ConfigMap update does). */
  writeConfig (versions: Versions): void
  close (): Promise<void>
}

export function replicaConfig (urls: Record<string, string>, versions: Versions, state: { url: string; prefix: string; resyncMs: number }, ports: { data: number; admin: number }): string {
  return stringify({
    schemaVersion: 1,
    server: { host: '127.0.0.1', port: ports.data },
    admin: { host: '127.0.0.1', port: ports.admin },
    probe: { intervalMs: 60_000 },
    state: { store: 'redis', ...state },
    models: { [MODEL]: { sticky: { header: 'x-user-id' }, versions: Object.fromEntries(Object.entries(versions).map(([n, v]) => [n, { url: urls[n], ...v }])) } }
  })
}

/**
 * Each replica has its own copy of the config (the same models, its own ports), as each pod has the
 * ConfigMap mounted; `writeConfig` rewrites every copy. Ports are chosen here rather than 0 so the
 * processes can log at `warn` (no line per inference) and still be found: ready once
 * /v2/health/ready answers 200.
 */
export async function startReplicas (n: number, urls: Record<string, string>, versions: Versions, state: { url: string; prefix: string; resyncMs: number }): Promise<Replicas> {
  const dir = mkdtempSync(join(tmpdir(), 'headliner-replicas-'))
  const ports = await Promise.all(Array.from({ length: n }, async () => ({ data: await freePort(), admin: await freePort() })))
  const files = ports.map((_p, i) => join(dir, `replica-${i}.yaml`))
  const writeConfig = (v: Versions): void => {
    files.forEach((file, i) => {
      writeFileSync(`${file}.tmp`, replicaConfig(urls, v, state, ports[i]!))
      renameSync(`${file}.tmp`, file)
    })
  }
  writeConfig(versions)
  const nodes: (Listening & Spawned)[] = []
  const close = async (): Promise<void> => {
    await Promise.all(nodes.map(async (node) => {
      node.child.kill('SIGTERM')
      const t = setTimeout(() => node.child.kill('SIGKILL'), 10_000)
      await node.exited
      clearTimeout(t)
    }))
  }
  try {
    for (const [i, file] of files.entries()) {
      const data = `http://127.0.0.1:${ports[i]!.data}`
      const node = spawnServe(file, { data, admin: `http://127.0.0.1:${ports[i]!.admin}`, tracing: false })
      nodes.push(node)
      await waitFor(`replica ${i} ready`, async () => {
        if (node.child.exitCode !== null) throw new Error(`replica ${i} exited:\n${node.out()}`)
        const res = await request(`${data}/v2/health/ready`).catch(() => undefined)
        await res?.body.dump()
        return res?.statusCode === 200 ? true : undefined
      }, { timeoutMs: 30_000, intervalMs: 50 })
    }
  } catch (err) {
    await close()
    throw err
  }
  return { file: files[0]!, nodes, writeConfig, close }
}

/** What useFleet starts; its fields are set by the file's beforeAll. */
export interface FleetRig { redis: RunningRedis; models: RunningModelServer[]; fleet: Replicas }

/**
 * For the calling test file: a redis-server, demo versions v1 and v2, and `n` replicas over them
 * with `versions` in their config, started in beforeAll (90 s) and closed in afterAll. Nothing starts
 * when redis-server is missing: the file's suites skip on redisMissing() then.
 */
export function useFleet (n: number, versions: Versions, state: { prefix: string; resyncMs: number }): FleetRig {
  const rig = {} as FleetRig
  beforeAll(async () => {
    if (redisMissing() !== undefined) return
    rig.redis = await startRedis()
    rig.models = await startDemoVersions(['v1', 'v2'])
    rig.fleet = await startReplicas(n, { v1: rig.models[0]!.url, v2: rig.models[1]!.url }, versions, { url: rig.redis.url, ...state })
  }, 90_000)
  afterAll(async () => {
    await rig.fleet?.close()
    await Promise.all(rig.models?.map((m) => m.close()) ?? [])
    await rig.redis?.close()
  }, 30_000)
  return rig
}

/** `headliner serve --config file` at log level warn; `out()` keeps the last 20,000 characters. */
function spawnServe (file: string, at: Listening): Listening & Spawned {
  needDist()
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'headliner.js'), 'serve', '--config', file], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HEADLINER_ADMIN_TOKEN: TOKEN, HEADLINER_LOG_LEVEL: 'warn' }
  })
  let out = ''
  const keep = (c: Buffer): void => { out = (out + c.toString()).slice(-20_000) }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { ...at, child, exited, out: () => out }
}

/** A JSON answer read loosely: tests look into it by path and compare with expect. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers of several shapes, checked by expect
export type Answer = { status: number; body: any }

export async function admin (base: string, method: 'GET' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<Answer> {
  const res = await request(base + path, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    headersTimeout: 10_000,
    bodyTimeout: 10_000
  })
  return { status: res.statusCode, body: await res.body.json() }
}

/** The weights a replica routes by now (GET /admin/models, effective), e.g. `{v1: 80, v2: 20}`. */
export async function effectiveWeights (adminUrl: string): Promise<Record<string, number>> {
  const { body } = await admin(adminUrl, 'GET', '/admin/models')
  return body.models[0].effective.weights
}

const agent = new Agent({ keepAliveTimeout: 10_000, connections: 16 })

/** One inference with a sticky key; the version that answered, or `failed <status>`. */
export async function infer (dataUrl: string, key: string): Promise<string> {
  try {
    const res = await request(`${dataUrl}/v2/models/${MODEL}/infer`, {
      method: 'POST', dispatcher: agent, body: oipBody(), headers: { 'content-type': 'application/json', 'x-user-id': key }, headersTimeout: 10_000, bodyTimeout: 10_000
    })
    await res.body.dump()
    return res.statusCode === 200 ? String(res.headers['x-headliner-version']) : `failed ${res.statusCode}`
  } catch (err) {
    return `failed ${(err as Error).message}`
  }
}

/** Steady load: `concurrency` loops per data URL until stopped; counts answers and failures. */
export function steadyLoad (dataUrls: readonly string[], concurrency = 2): { answered (): number; stop (): Promise<{ ok: number; failed: string[] }> } {
  let running = true
  let ok = 0
  const failed: string[] = []
  let i = 0
  const loops = dataUrls.flatMap((url) => Array.from({ length: concurrency }, async () => {
    while (running) {
      const v = await infer(url, `load-${i++}`)
      if (v.startsWith('failed')) failed.push(v)
      else ok++
    }
  }))
  return {
    answered: () => ok,
    async stop () {
      running = false
      await Promise.all(loops)
      return { ok, failed }
    }
  }
}

/** Percentile (nearest rank) of a list of numbers. */
export function percentile (values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}

/** |observed - n p| within 4 binomial standard deviations (false alarm about 6e-5 per check). */
export function withinFourSigma (observed: number, n: number, p: number): boolean {
  return Math.abs(observed - n * p) <= 4 * Math.sqrt(n * p * (1 - p))
}

/** PUT the model's weights through replica `node`'s admin API; the write must be applied. */
export async function setWeights (fleet: Replicas, node: number, weights: Record<string, number>): Promise<void> {
  const res = await admin(fleet.nodes[node]!.admin, 'PUT', `/admin/models/${MODEL}/weights`, { weights, reason: 'scale-out test' })
  expect(res.status, JSON.stringify(res.body)).toBe(200)
}

/** Every replica routes by `weights`; resolves with the slowest replica's time since `since`. */
export async function allApply (fleet: Replicas, weights: Record<string, number>, since: number, ms = 5000): Promise<number> {
  const want = JSON.stringify(weights)
  const times = await Promise.all(fleet.nodes.map(async (n) => {
    await until(async () => JSON.stringify(await effectiveWeights(n.admin)) === want, ms)
    return performance.now() - since
  }))
  return Math.max(...times)
}
