/**
 * Webhooks against a real local HTTP server: delivered on a 2xx, retried a bounded number of times on
 * a 500, given up after the timeout on a slow receiver, and a receiver that is down costs a bounded time.
 * Failures are counted, never thrown.
 */
import { createServer } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Webhooks, type WebhookPayload } from '../../../src/rollout/webhooks.js'
import { quietLogger, startReceiver, type Receiver } from '../helpers/rig.js'

const PAYLOAD: WebhookPayload = { event: 'rolled_back', model: 'hit', candidate: 'v2', baseline: 'v1', status: 'rolled_back', step: 0, reason: 'errors', at: '2026-12-01T00:00:00.000Z' }

let receiver: Receiver
beforeEach(async () => { receiver = await startReceiver() })
afterEach(async () => { await receiver.close() })

/** A port nothing listens on: bound, then closed. */
async function deadUrl (): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}/hook`
}

describe('rollout webhooks', () => {
  it('posts the JSON payload once when the receiver answers 2xx', async () => {
    const hooks = new Webhooks({ log: quietLogger().log })
    await hooks.notify([receiver.url], PAYLOAD)
    expect(receiver.bodies).toEqual([PAYLOAD])
    expect(hooks).toMatchObject({ delivered: 1, failures: 0 })
  })

  it('retries a 500 a bounded number of times, then counts and logs one failure', async () => {
    const { log, lines } = quietLogger()
    const failed: string[] = []
    const hooks = new Webhooks({ log, retries: 3, backoffMs: 10, onFailure: (event) => failed.push(event) })
    receiver.mode.status = 500
    expect(await hooks.deliver(receiver.url, PAYLOAD)).toBe(false)
    expect(receiver.bodies).toHaveLength(4)
    expect(hooks.failures).toBe(1)
    expect(failed).toEqual(['rolled_back'])
    expect(lines.join('')).toContain('answered 500')
  })

  it('gives a slow receiver up after the timeout of each attempt', async () => {
    const { log, lines } = quietLogger()
    const hooks = new Webhooks({ log, timeoutMs: 200, retries: 1, backoffMs: 10 })
    receiver.mode.delayMs = 5000
    const t0 = Date.now()
    expect(await hooks.deliver(receiver.url, PAYLOAD)).toBe(false)
    // Two attempts of 200 ms and a 10 ms pause; generous for a shared machine, far below the 5 s delay.
    expect(Date.now() - t0).toBeLessThan(3000)
    expect(lines.join('')).toContain('no answer within 200 ms')
  })

  it('counts a receiver that is down as a failure in bounded time', async () => {
    const hooks = new Webhooks({ log: quietLogger().log, retries: 2, backoffMs: 10 })
    const t0 = Date.now()
    await hooks.notify([await deadUrl(), receiver.url], PAYLOAD)
    expect(Date.now() - t0).toBeLessThan(5000)
    expect(hooks).toMatchObject({ delivered: 1, failures: 1 })
  })

  it('notify returns at once: the caller never waits for a slow receiver', async () => {
    const hooks = new Webhooks({ log: quietLogger().log, timeoutMs: 1000, retries: 0 })
    receiver.mode.delayMs = 800
    const t0 = Date.now()
    const job = hooks.notify([receiver.url], PAYLOAD)
    expect(Date.now() - t0).toBeLessThan(100)
    await job
    expect(hooks.delivered).toBe(1)
  })
})
