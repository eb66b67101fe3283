/**
 * A small admin plane for the status tests: real StatusWindows on a hand-moved clock, a model
 * description the test can change, and a fastify server on port 0 answering GET /status with what
 * buildStatus makes of them (the same JSON the gateway will serve).
 */
import Fastify, { type FastifyInstance } from 'fastify'
import { buildStatus, type ModelDescription, type RolloutSummary, type StatusSources } from '../../src/status/report.js'
import { StatusWindows } from '../../src/status/windows.js'
import type { DriftFacts, ReloadFacts } from '../../src/status/verdict.js'

export interface StatusFixture {
  clock: { now: () => number; advance: (ms: number) => void }
  windows: StatusWindows
  models: ModelDescription[]
  drift: Map<string, DriftFacts>
  rollout: Map<string, RolloutSummary>
  reload: { last: ReloadFacts | null }
  sources: StatusSources
}

export function statusFixture (models: ModelDescription[], start = Date.UTC(2026, 11, 1, 10, 0, 0)): StatusFixture {
  let t = start
  const clock = { now: () => t, advance: (ms: number) => { t += ms } }
  const windows = new StatusWindows({ now: clock.now })
  const drift = new Map<string, DriftFacts>()
  const rollout = new Map<string, RolloutSummary>()
  const reload = { last: null as ReloadFacts | null }
  const sources: StatusSources = { now: clock.now, windows, models: () => models, drift: (m) => drift.get(m), rollout: (m) => rollout.get(m), reload: () => reload.last }
  return { clock, windows, models, drift, rollout, reload, sources }
}

/** `n` replies of one version spread over `seconds` (advancing the clock), `errorEvery`-th one a 503. */
export function feed (f: StatusFixture, model: string, version: string, n: number, opts: { seconds?: number; errorEvery?: number; ms?: number; role?: 'primary' | 'shadow' } = {}): void {
  const step = ((opts.seconds ?? 0) * 1000) / n
  for (let i = 0; i < n; i++) {
    const failed = opts.errorEvery !== undefined && i % opts.errorEvery === 0
    f.windows.afterReply({ model, version, role: opts.role ?? 'primary', status: failed ? 503 : 200, durationMs: (opts.ms ?? 20) * (1 + (i % 7) / 10) })
    f.clock.advance(step)
  }
}

/** Serves GET /status (optionally behind a bearer token) on 127.0.0.1, port 0. */
export async function serveStatus (f: StatusFixture, token?: string): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify()
  app.get('/status', async (request, reply) => {
    if (token !== undefined && request.headers.authorization !== `Bearer ${token}`) {
      return await reply.code(401).send({ error: 'missing or wrong bearer token', code: 'HEADLINER_ERR_UNAUTHORIZED' })
    }
    return buildStatus(f.sources)
  })
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  return { app, url }
}
