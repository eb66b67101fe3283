import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { request } from 'undici'
import { oipBody, SONG_ROW, startDemoVersions, startGateway, type TestGateway } from '../helpers/gateway.js'
import type { RunningModelServer } from '../../src/demo/model-server.js'
import { mutate, mutateText, structuralOps, textOps } from './mutate.js'

// Random mutations of valid requests through a real gateway in front of the demo model server: the
// gateway answers each with a 2xx or a 4xx JSON error of its own, never a 5xx, never a crash or hang.
// Seeded (a failure prints its seed and shrunk counterexample); 300 runs per protocol, ~a few seconds.
const RUNS = 300
const SONG = { danceability: 0.71, energy: 0.8, key: 5, loudness: -5.2, mode: 1, speechiness: 0.05, acousticness: 0.1, instrumentalness: 0, liveness: 0.12, valence: 0.6, tempo: 118, duration_ms: 201000 }
let models: RunningModelServer[]
let gw: TestGateway

beforeAll(async () => {
  models = await startDemoVersions(['v2'])
  gw = await startGateway({
    schemaVersion: 1,
    server: { bodyLimitBytes: 65_536 },
    models: {
      raw: { versions: { v2: { url: models[0]!.url, upstreamModel: 'hit-predictor', weight: 100 } } },
      named: { versions: { v2: { url: models[0]!.url, upstreamModel: 'hit-predictor', weight: 100, transform: join(import.meta.dirname, '..', '..', 'models', 'hit-predictor', 'v2', 'transform.yaml') } } }
    }
  })
})

afterAll(async () => {
  await gw?.close()
  await Promise.all(models.map((m) => m.close()))
})

const seen = new Map<number, number>()

/** Send `body` and hold the gateway to its contract; returns whether it did. */
async function holds (path: string, body: string): Promise<boolean> {
  const res = await request(gw.url + path, { method: 'POST', body, headers: { 'content-type': 'application/json' }, headersTimeout: 10_000, bodyTimeout: 10_000 })
  const text = await res.body.text()
  seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1)
  if (res.statusCode >= 500) return false
  if (res.statusCode < 400) return true
  const json = JSON.parse(text) as { error?: unknown; code?: unknown }
  if (typeof json.error !== 'string' || json.error.length === 0) return false
  // The gateway's own errors carry a code; a 4xx the upstream sent for a request that passed the
  // gateway's checks (the demo server, like KServe's, sends only `error`) is passed through as it is.
  if (json.code === undefined) {
    return res.headers['x-headliner-version'] !== undefined
  }
  return typeof json.code === 'string' && json.code.startsWith('HEADLINER_ERR_')
}

const cases: [string, string, unknown][] = [
  ['OIP v2', '/v2/models/raw/infer', JSON.parse(oipBody([SONG_ROW, SONG_ROW], 'r1')) as unknown],
  ['KServe v1 rows', '/v1/models/raw:predict', { instances: [SONG_ROW, SONG_ROW] }],
  ['KServe v1 named features', '/v1/models/named:predict', { instances: [SONG, { ...SONG, tempo: 170 }] }]
]

describe('fuzz: mutated requests through a real gateway', () => {
  for (const [name, path, valid] of cases) {
    it(`${name}: structural mutations give 2xx or a 4xx JSON error, never a 5xx`, async () => {
      seen.clear()
      expect(await holds(path, JSON.stringify(valid))).toBe(true)
      await fc.assert(fc.asyncProperty(structuralOps, (ops) => holds(path, JSON.stringify(mutate(valid, ops)) ?? 'null')), { seed: 1406, numRuns: RUNS })
      // The mutations reach both sides of validation, so the property is not vacuous.
      expect(seen.get(200) ?? 0).toBeGreaterThan(0)
      expect([...seen.keys()].some((s) => s >= 400)).toBe(true)
    })

    it(`${name}: text mutations (broken JSON, duplicate keys) give 2xx or a 4xx JSON error`, async () => {
      const text = JSON.stringify(valid)
      const dupKey = fc.nat().map((n) => { const at = text.indexOf(',', n % text.length); return at < 0 ? text : text.slice(0, at + 1) + text.slice(1, at + 1) })
      await fc.assert(fc.asyncProperty(fc.oneof(textOps.map((ops) => mutateText(text, ops)), dupKey), (body) => holds(path, body)), { seed: 1407, numRuns: RUNS })
    })
  }

  it('is still live after the fuzzing', async () => {
    const res = await request(gw.url + '/v2/health/live')
    expect(res.statusCode).toBe(200)
    await res.body.dump()
  })
})
