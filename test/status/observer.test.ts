/**
 * The windows as an observer of a real request path: a fastify server on port 0 whose onResponse
 * hook feeds StatusWindows (as the gateway's will), real HTTP calls to it, and `headliner status`
 * reading the verdict back over HTTP. A version failing half its calls fails the model with a reason
 * naming it; healthy traffic is healthy; no traffic is insufficient data.
 */
import { afterEach, describe, expect, it } from 'vitest'
import Fastify, { type FastifyInstance } from 'fastify'
import { request } from 'undici'
import { runStatus } from '../../src/cli/status.js'
import { buildStatus, type ModelDescription } from '../../src/status/report.js'
import { StatusWindows } from '../../src/status/windows.js'

const models: ModelDescription[] = [{
  model: 'hit-predictor',
  versions: [
    { name: 'v1', role: 'serving', weight: 50, ready: true, reason: 'ok' },
    { name: 'v2', role: 'serving', weight: 50, ready: true, reason: 'ok' }
  ]
}]

let app: FastifyInstance | undefined
afterEach(async () => { await app?.close(); app = undefined })

async function gateway (): Promise<string> {
  const windows = new StatusWindows({ now: Date.now })
  app = Fastify()
  let calls = 0
  app.post<{ Params: { version: string } }>('/v2/models/hit-predictor/versions/:version/infer', async (req, reply) => {
    // v2 is broken for every other call.
    if (req.params.version === 'v2' && calls++ % 2 === 0) return await reply.code(502).send({ error: 'upstream sent an invalid answer', code: 'HEADLINER_ERR_UPSTREAM_PROTOCOL' })
    return { outputs: [] }
  })
  app.addHook('onResponse', async (req, reply) => {
    const version = (req.params as { version?: string }).version
    if (version !== undefined) windows.afterReply({ model: 'hit-predictor', version, role: 'primary', status: reply.statusCode, durationMs: reply.elapsedTime })
  })
  app.get('/status', async () => buildStatus({ now: Date.now, windows, models: () => models }))
  return await app.listen({ host: '127.0.0.1', port: 0 })
}

async function send (url: string, version: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await request(`${url}/v2/models/hit-predictor/versions/${version}/infer`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })
    await res.body.dump()
  }
}

async function status (url: string) {
  const out: string[] = []
  const code = await runStatus({ gateway: url }, { out: (l) => out.push(l), err: (l) => out.push(l), env: {} })
  return { code, out: out.join('\n') }
}

describe('status over a real request path', () => {
  it('no traffic: insufficient_data (3); healthy traffic: healthy (0)', async () => {
    const url = await gateway()
    expect((await status(url)).code).toBe(3)
    await send(url, 'v1', 60)
    const r = await status(url)
    expect(r.out).toContain('verdict: healthy')
    expect(r.code).toBe(0)
  })

  it('a version failing half its calls: failing (2), and the reason names it', async () => {
    const url = await gateway()
    await send(url, 'v1', 60)
    await send(url, 'v2', 60)
    const r = await status(url)
    expect(r.code).toBe(2)
    expect(r.out).toContain('- v2 error ratio 50 % (30 of 60 requests) over the last 5 min, at or above the 5 % threshold')
    expect(r.out).not.toMatch(/- v1 /)
  })
})
