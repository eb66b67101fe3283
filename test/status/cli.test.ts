import { createServer, type Server } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import Fastify, { type FastifyInstance } from 'fastify'
import { NO_ANSWER_EXIT, parseStatusArgs, runStatus } from '../../src/cli/status.js'
import { feed, serveStatus, statusFixture } from './fixture.js'

const described = () => [{
  model: 'hit-predictor',
  versions: [
    { name: 'v1', role: 'serving' as const, weight: 90, ready: true, reason: 'ok' },
    { name: 'v2', role: 'candidate' as const, weight: 10, ready: true, reason: 'ok' },
    { name: 'v3', role: 'shadow' as const, weight: 0, mirror: 100, ready: true, reason: 'ok' }
  ]
}]

const apps: FastifyInstance[] = []
afterEach(async () => { await Promise.all(apps.splice(0).map((a) => a.close())) })

async function run (args: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = []
  const err: string[] = []
  const code = await runStatus(parseStatusArgs(args), { out: (l) => out.push(l), err: (l) => err.push(l), env })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

async function gateway (setup: (f: ReturnType<typeof statusFixture>) => void, token?: string) {
  const f = statusFixture(described())
  f.clock.advance(300_000)
  setup(f)
  const { app, url } = await serveStatus(f, token)
  apps.push(app)
  return url
}

describe('headliner status', () => {
  it('healthy: prints each version with its numbers, the shadow agreement, and exits 0', async () => {
    const url = await gateway((f) => {
      // 900 requests in 30 s read as 15/s over the 1-minute window.
      feed(f, 'hit-predictor', 'v1', 900, { seconds: 30 })
      feed(f, 'hit-predictor', 'v2', 100, { seconds: 0 })
      feed(f, 'hit-predictor', 'v3', 1000, { seconds: 0, role: 'shadow' })
      for (let i = 0; i < 1000; i++) f.windows.recordComparison({ model: 'hit-predictor', primary: 'v1', shadow: 'v3', outcome: i % 50 === 0 ? 'disagree' : 'agree', divergence: 0.01 })
    })
    const r = await run(['--gateway', url])
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/^hit-predictor: healthy/)
    expect(r.out).toMatch(/v1\s+serving\s+90 %\s+yes\s+15\/s\s+0 % of 900\s+\d+(\.\d)? ms\/\d+(\.\d)? ms/)
    expect(r.out).toMatch(/v3\s+shadow\s+mirror 100 %\s+yes/)
    expect(r.out).toContain('shadow v3 vs v1: agrees 98 % of 1,000 over 5 min (1 min: 98 % of 1,000), divergence 0.010')
    expect(r.out).toContain('verdict: healthy')
  })

  it('a candidate failing half its calls: failing, a reason naming it, exit 2; --json carries the same', async () => {
    const url = await gateway((f) => {
      feed(f, 'hit-predictor', 'v1', 900, { seconds: 30 })
      feed(f, 'hit-predictor', 'v2', 100, { seconds: 0, errorEvery: 2 })
    })
    const r = await run(['--gateway', url])
    expect(r.code).toBe(2)
    expect(r.out).toContain('- v2 error ratio 50 % (50 of 100 requests) over the last 5 min, at or above the 5 % threshold')
    const j = await run(['--gateway', url, '--json'])
    expect(j.code).toBe(2)
    const body = JSON.parse(j.out)
    expect(body).toMatchObject({ verdict: 'failing', exitCode: 2, models: [{ model: 'hit-predictor', verdict: 'failing' }] })
  })

  it('degraded exits 1 (a refused reload), no traffic exits 3', async () => {
    const degraded = await gateway((f) => {
      feed(f, 'hit-predictor', 'v1', 100)
      f.reload.last = { ok: false, at: f.clock.now(), error: 'models.hit-predictor: weights sum to 90' }
    })
    const d = await run(['--gateway', degraded])
    expect(d.code).toBe(1)
    expect(d.out).toContain('config reload refused at 10:05 UTC: models.hit-predictor: weights sum to 90')
    const quiet = await run(['--gateway', await gateway(() => {})])
    expect(quiet.code).toBe(3)
    expect(quiet.out).toContain('no serving version has 50 requests over the last 5 min (v1: 0, v2: 0)')
  })

  it('sends the token from --token or HEADLINER_ADMIN_TOKEN; without one: exit 4 and a hint', async () => {
    const url = await gateway((f) => feed(f, 'hit-predictor', 'v1', 100), 's3cret')
    const none = await run(['--gateway', url])
    expect(none.code).toBe(NO_ANSWER_EXIT)
    expect(none.err).toContain('answered 401: missing or wrong bearer token (HEADLINER_ERR_UNAUTHORIZED) (pass --token or set HEADLINER_ADMIN_TOKEN)')
    expect((await run(['--gateway', url, '--token', 's3cret'])).code).not.toBe(NO_ANSWER_EXIT)
    expect((await run(['--gateway', url], { HEADLINER_ADMIN_TOKEN: 's3cret' })).code).not.toBe(NO_ANSWER_EXIT)
  })

  it('--model keeps one model; an unknown one is exit 4 naming the models there', async () => {
    const url = await gateway((f) => feed(f, 'hit-predictor', 'v1', 100))
    expect((await run(['--gateway', url, '--model', 'hit-predictor'])).code).toBe(0)
    const r = await run(['--gateway', url, '--model', 'nope'])
    expect(r.code).toBe(NO_ANSWER_EXIT)
    expect(r.err).toContain('no model "nope"')
    expect(r.err).toContain('(models: hit-predictor)')
  })

  it('a server that never answers: exit 4 after the timeout, not a hang', async () => {
    const sockets: import('node:net').Socket[] = []
    const silent: Server = createServer((s) => { sockets.push(s) })
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const port = (silent.address() as { port: number }).port
    const started = Date.now()
    const r = await run(['--gateway', `http://127.0.0.1:${port}`, '--timeout', '300'])
    expect(r.code).toBe(NO_ANSWER_EXIT)
    expect(r.err).toContain('no answer within 300 ms')
    expect(Date.now() - started).toBeLessThan(10_000)
    for (const s of sockets) s.destroy()
    await new Promise((resolve) => silent.close(resolve))
  })

  it('a wrong URL (another JSON, a 404, nothing listening) is exit 4 with the reason', async () => {
    const other = Fastify()
    apps.push(other)
    // The shape /status had before verdicts: refused as not a report rather than misread.
    other.get('/status', async () => ({ verdict: 'ok', models: [] }))
    const otherUrl = await other.listen({ host: '127.0.0.1', port: 0 })
    const old = await run(['--gateway', otherUrl])
    expect(old.code).toBe(NO_ANSWER_EXIT)
    expect(old.err).toContain('the answer is not a status report')
    const missing = await run(['--gateway', `${otherUrl}/nowhere`])
    expect(missing.code).toBe(NO_ANSWER_EXIT)
    expect(missing.err).toContain('answered 404')
    const closed = await run(['--gateway', 'http://127.0.0.1:1'])
    expect(closed.code).toBe(NO_ANSWER_EXIT)
    expect(closed.err).toContain('cannot read http://127.0.0.1:1/status')
  })

  it('refuses unknown flags and a bad timeout', () => {
    expect(() => parseStatusArgs(['--modle', 'x'])).toThrow()
    expect(() => parseStatusArgs(['--timeout', 'soon'])).toThrow(/--timeout/)
  })
})
