/**
 * Rollouts end to end on real sockets: a gateway from buildApp (its own driver, counts observer and
 * admin routes on the memory store, default outlier ejection), demo model servers, a candidate that
 * fails 30 % of its calls, and the `headliner rollout` command table against the admin port. Short steps (1 s) and small
 * minimum samples keep each case well under a minute on a busy machine.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../../src/cli/index.js'
import type { CliContext } from '../../src/cli/command.js'
import { readDoc } from '../../src/rollout/service.js'
import { startDemoVersions } from '../helpers/gateway.js'
import { until } from '../helpers/wait.js'
import { cli, flakyUpstream, gateway, GATES, MODEL, startRollout, stored, TOKEN, underLoad, type Closers } from './helpers/wired.js'

const closers: Closers = []
afterEach(async () => { while (closers.length > 0) await closers.pop()!() })

/** Half of the baseline's requests copied to the candidate (the agreement gate on, at its default floor 0.9). */
const COMPARE = { compare: 50 }
/**
 * Every baseline request copied, and a floor the demo's v2 meets: it agrees with v1 on the top-1 class
 * of about 89 % of these songs, so at 0.8 the gate passes after about 240 pairs.
 */
const HEALTHY = { gates: { ...GATES, predictions: { agreementFloor: 0.8, minPairs: 100 } }, extra: { compare: 100 } }

describe('a rollout through the gateway', () => {
  it('promotes a healthy candidate to 100 % in the store, refuses hand-set weights meanwhile, and explains each step', async () => {
    const [v1, v2] = await startDemoVersions(['v1', 'v2'])
    closers.push(() => v1!.close(), () => v2!.close())
    const gw = await gateway(closers, { v1: v1!.url, v2: v2!.url })
    const start = await cli(gw, ['rollout', 'start', MODEL, '--to', 'v2', '--steps', '50,100', '--step-time', '1s'])
    // The CLI start takes the default gates; this test needs small samples, so it aborts that and starts its own.
    expect(start.code, start.err).toBe(0)
    expect(start.out).toContain('running')
    const put = await fetch(`${gw.adminUrl}/admin/models/${MODEL}/weights`, { method: 'PUT', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ weights: { v1: 0, v2: 100 } }) })
    expect(put.status).toBe(409)
    expect((await cli(gw, ['rollout', 'abort', MODEL, '--reason', 'restart with test gates'])).code).toBe(0)
    await startRollout(gw, '25,50,100', 'v2', HEALTHY.gates, HEALTHY.extra)
    await underLoad(gw, 'promoted')
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
    // The agreement gate was fed by the copies of v1's requests to v2, and passed.
    expect(explained.out).toMatch(/predictions pass: v2 agrees with v1 on [\d,]+ of [\d,]+ shadowed requests/)
    // With the rollout over, the candidate gets no more copies.
    await until(() => gw.app.runtime.require(MODEL).table.shadows.length === 0, 5000)
  }, 60_000)

  it('rolls a candidate that fails 30 % of its calls, and is ejected, back at its first step with the ejection as the reason', async () => {
    const [v1] = await startDemoVersions(['v1'])
    closers.push(() => v1!.close())
    // Seed 13: the candidate's calls 3-7 fail in a row, so the default outlier setting (5 in a row) ejects
    // it within its first calls; over the whole run 30 % of its calls fail.
    const v2 = await flakyUpstream(closers, 0.3, 13)
    const gw = await gateway(closers, { v1: v1!.url, v2: v2.url })
    await startRollout(gw, '50,100', 'v2', GATES, COMPARE)
    await underLoad(gw, 'rolled_back')
    const doc = readDoc(await stored(gw))!
    expect(doc.state.stepIndex).toBe(0)
    expect(doc.state.reason).toMatch(/^rolled back: ejected by outlier detection: 5 failures in a row/)
    expect(doc.state.records.at(-1)?.observations.ejected?.v2).toEqual({ replicas: 1, failures: 5 })
    expect((await stored(gw))?.weights).toEqual({ v1: 100, v2: 0 })
    await until(() => gw.app.runtime.require(MODEL).table.versions.find((v) => v.name === 'v2')?.weight === 0, 5000)
    const audit = await cli(gw, ['audit', '--model', MODEL, '--json'])
    const entries = JSON.parse(audit.out) as Array<{ actor: string, action: string, reason: string }>
    expect(entries.find((e) => e.actor === 'rollout' && /roll/.test(e.action))?.reason).toMatch(/ejected by outlier detection: 5 failures in a row/)
    expect(entries.some((e) => e.action === 'rollout.pause')).toBe(false)
    const explained = await cli(gw, ['rollout', 'explain', MODEL])
    expect(explained.out).toMatch(/ejected by outlier detection: 5 failures in a row/)
    expect(explained.out).toMatch(/errors \d+ of \d+/)
  }, 60_000)

  it('rolls back a candidate that answers 200 with other predictions (the demo v3 without its processing) on the prediction drift gate', async () => {
    const [v1, v3] = await startDemoVersions(['v1', 'v3'])
    closers.push(() => v1!.close(), () => v3!.close())
    const gw = await gateway(closers, { v1: v1!.url, v3: v3!.url }, 'v3')
    // No copies here: the drift gate alone judges (the agreement gate has its own test, wired-compare).
    await startRollout(gw, '50,100', 'v3', { ...GATES, drift: { jsMax: 0.2, minSamples: 40 } }, { compare: 0 })
    await underLoad(gw, 'rolled_back')
    const doc = readDoc(await stored(gw))!
    const last = doc.state.records.at(-1)!
    expect(last.gates.find((g) => g.gate === 'drift')?.result).toBe('fail')
    expect(last.gates.find((g) => g.gate === 'predictions')).toBeUndefined()
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
