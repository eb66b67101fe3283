/**
 * The rollout admin routes and the `headliner rollout` command against them, over a real socket
 * (fastify on port 0), with the memory store and a real redis-server: start, status, pause, resume,
 * abort, promote, explain; 400 naming the field, 401 without the write token, 404 unknown model,
 * 409 in the wrong state.
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseDuration, parseRolloutArgs, runRollout } from '../../../src/cli/rollout.js'
import { errors } from '../../../src/errors.js'
import { registerRolloutRoutes } from '../../../src/rollout/routes.js'
import { readDoc, rolloutOwnsWeights, RolloutService } from '../../../src/rollout/service.js'
import { MemoryStore } from '../../../src/state/memory.js'
import { RedisStore } from '../../../src/state/redis.js'
import type { StateStore } from '../../../src/state/types.js'
import { redisMissing, startRedis, type RunningRedis } from '../../helpers/redis.js'
import { quietLogger } from '../helpers/rig.js'

const TOKEN = 'w-token'
const FILE = { v1: 90, v2: 10, v3: 0 }

let redis: RunningRedis | undefined
beforeAll(async () => { if (redisMissing() === undefined) redis = await startRedis() })
afterAll(async () => { await redis?.close() })

async function serve (store: StateStore): Promise<{ app: FastifyInstance, base: string }> {
  const app = Fastify()
  const service = new RolloutService({ store, log: quietLogger().log, fileWeights: (m) => (m === 'hit' ? FILE : undefined) })
  const requireWrite = async (request: FastifyRequest): Promise<void> => {
    if (request.headers.authorization !== `Bearer ${TOKEN}`) throw errors.unauthorized()
  }
  await registerRolloutRoutes(app, { service, requireWrite, actorOf: () => 'ops' })
  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, base }
}

async function cli (base: string, argv: string[], token: string | undefined = TOKEN) {
  const out: string[] = []
  const err: string[] = []
  const code = await runRollout(parseRolloutArgs([...argv, '--gateway', base]), { out: (l) => out.push(l), err: (l) => err.push(l), env: token === undefined ? {} : { HEADLINER_ADMIN_TOKEN: token } })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

const stores: Array<[string, () => Promise<StateStore>]> = [
  ['memory', async () => new MemoryStore()],
  ['redis', async () => RedisStore.open({ url: redis!.url, log: quietLogger().log, prefix: `routes${Date.now()}` })]
]

describe.each(stores)('rollout routes and CLI (%s store)', (name, open) => {
  it.skipIf(name === 'redis' && redisMissing() !== undefined)('runs the commands and refuses bad ones with a code', async () => {
    const store = await open()
    const { app, base } = await serve(store)
    try {
      expect(await cli(base, ['status', 'hit'])).toMatchObject({ code: 0, out: 'hit: no rollout' })
      const noToken = await cli(base, ['start', 'hit', '--to', 'v3'], '')
      expect(noToken).toMatchObject({ code: 1 })
      expect(noToken.err).toContain('401 HEADLINER_ERR_UNAUTHORIZED')
      const badSteps = await cli(base, ['start', 'hit', '--to', 'v3', '--steps', '50,10,100'])
      expect(badSteps.err).toContain('400 HEADLINER_ERR_BAD_REQUEST: rollout steps[1]: must be above the step before (50); got 10')
      const unknown = await fetch(`${base}/admin/models/hit/rollout`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ to: 'v3', bogus: 1, steps: 'x', gates: { errors: { margins: 2 } } }) })
      expect(unknown.status).toBe(400)
      const body = await unknown.json() as { error: string, code: string }
      expect(body.code).toBe('HEADLINER_ERR_BAD_REQUEST')
      expect(body.error).toContain('bogus: unknown field')
      expect(body.error).toContain('steps:')
      expect(body.error).toContain('gates.errors.margins: unknown field')
      expect((await cli(base, ['start', 'nope', '--to', 'v3'])).err).toContain('404 HEADLINER_ERR_UNKNOWN_MODEL')

      const started = await cli(base, ['start', 'hit', '--to', 'v3', '--steps', '5,50,100', '--step-time', '30s', '--reason', 'ship v3'])
      expect(started).toMatchObject({ code: 0 })
      expect(started.out).toContain('hit: rollout of v3 against v1: running, step 1 of 3 (v3 at 5 %)')
      let model = (await store.load()).models.hit!
      // The third version keeps its share of the rest: 90:10 of 95 %.
      expect(model.weights).toEqual({ v1: 85.5, v2: 9.5, v3: 5 })
      expect(readDoc(model)!.spec).toMatchObject({ baseline: 'v1', stepTimeMs: 30_000, steps: [5, 50, 100] })
      expect(rolloutOwnsWeights(model.rollout)).toBe(true)
      expect((await store.audit({ model: 'hit', limit: 1 }))[0]).toMatchObject({ actor: 'ops', action: 'rollout.start', reason: 'ship v3' })

      expect((await cli(base, ['start', 'hit', '--to', 'v3'])).err).toContain('409 HEADLINER_ERR_ROLLOUT_STATE')
      expect((await cli(base, ['resume', 'hit'])).err).toContain('409 HEADLINER_ERR_ROLLOUT_STATE: the rollout of model "hit" is running: it cannot resume')
      expect((await cli(base, ['pause', 'hit'])).out).toContain('paused')
      expect(rolloutOwnsWeights((await store.load()).models.hit!.rollout)).toBe(false)
      expect((await store.audit({ model: 'hit', limit: 1 }))[0]).toMatchObject({ actor: 'ops', action: 'rollout.pause', reason: 'paused by ops' })
      expect((await cli(base, ['resume', 'hit'])).out).toContain('running')
      const explained = await cli(base, ['explain', 'hit'])
      expect(explained.out).toContain('no evaluation yet')
      expect(explained.out).toContain('now: running: resumed at step 1')
      const status = JSON.parse((await cli(base, ['status', 'hit', '--json'])).out) as { rollout: { status: string } }
      expect(status.rollout.status).toBe('running')

      expect((await cli(base, ['abort', 'hit', '--reason', 'pager'])).out).toContain('aborted, back to the pre-rollout weights')
      model = (await store.load()).models.hit!
      expect(model.weights).toEqual(FILE)
      expect((await store.audit({ model: 'hit', limit: 1 }))[0]).toMatchObject({ actor: 'ops', action: 'rollout.abort', reason: 'pager' })
      expect((await cli(base, ['promote', 'hit'])).err).toContain('is aborted: it cannot promote')

      await cli(base, ['start', 'hit', '--to', 'v3'])
      expect((await cli(base, ['promote', 'hit'])).out).toContain('promoted')
      expect((await store.load()).models.hit!.weights).toEqual({ v1: 0, v2: 0, v3: 100 })
      const badCommand = await fetch(`${base}/admin/models/hit/rollout/dance`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } })
      expect(badCommand.status).toBe(400)
    } finally {
      await app.close()
      await store.close()
    }
  }, 30_000)
})

describe('headliner rollout arguments', () => {
  it('parses durations and steps into the start request', () => {
    expect(parseDuration('90s', '--step-time')).toBe(90_000)
    expect(parseDuration('10m', '--x')).toBe(600_000)
    expect(parseDuration('250', '--x')).toBe(250)
    expect(parseRolloutArgs(['start', 'hit', '--to', 'v2', '--steps', '5,25,100', '--max-step-time', '1h', '--webhook', 'http://a/', '--webhook', 'http://b/']).body)
      .toEqual({ to: 'v2', steps: [5, 25, 100], maxStepTimeMs: 3_600_000, webhooks: ['http://a/', 'http://b/'] })
  })

  it('passes --compare as the percent of copies, and refuses one that is not a number', () => {
    expect(parseRolloutArgs(['start', 'hit', '--to', 'v2', '--compare', '0']).body).toEqual({ to: 'v2', compare: 0 })
    expect(parseRolloutArgs(['start', 'hit', '--to', 'v2', '--compare', '25']).body).toEqual({ to: 'v2', compare: 25 })
    expect(() => parseRolloutArgs(['start', 'hit', '--to', 'v2', '--compare', 'lots'])).toThrow('--compare must be a percent, like 10 (got "lots")')
  })

  it('refuses bad arguments with a message saying what to write', () => {
    expect(() => parseDuration('soon', '--step-time')).toThrow('--step-time must be a duration like 500ms, 60s, 10m or 1h (got "soon")')
    expect(() => parseRolloutArgs(['start', 'hit'])).toThrow('--to VERSION')
    expect(() => parseRolloutArgs(['jump', 'hit'])).toThrow('unknown rollout command "jump"')
    expect(() => parseRolloutArgs(['status'])).toThrow('name one model')
    expect(() => parseRolloutArgs(['start', 'hit', '--to', 'v2', '--steps', '5,,100'])).toThrow('--steps must be numbers')
  })

  it('says so when the gateway does not answer, in bounded time', async () => {
    const err: string[] = []
    const code = await runRollout(parseRolloutArgs(['status', 'hit', '--gateway', 'http://127.0.0.1:1', '--timeout', '1000']), { out: () => {}, err: (l) => err.push(l), env: {} })
    expect(code).toBe(4)
    expect(err.join('')).toContain('cannot reach http://127.0.0.1:1/admin/models/hit/rollout')
  })
})
