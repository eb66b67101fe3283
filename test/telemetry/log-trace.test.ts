/**
 * With tracing on, every line logged within a request carries the request's `trace_id` and
 * `span_id`: the request line, a 4xx before routing, an upstream fault and the outlier-ejection
 * line it causes. The real CLI (tracing preload) exports to an OTLP/HTTP receiver in this process.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { listening, spawnHeadliner, writeTempConfig, type Spawned } from '../helpers/cli.js'
import { startFaultyUpstream } from '../helpers/fault-server.js'
import { oipBody, startRecordingUpstream } from '../helpers/gateway.js'
import { until } from '../helpers/wait.js'

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const INCOMING = `00-${TRACE_ID}-00f067aa0ba902b7-01`

interface Line { msg?: string; reqId?: string; trace_id?: string; span_id?: string; model?: string; res?: { statusCode?: number } }

describe('log lines within a request, tracing on', () => {
  const closers: { close (): Promise<void> }[] = []
  let gw: { data: string } & Spawned
  let receiver: Server

  beforeAll(async () => {
    receiver = createServer((req, res) => { req.resume(); req.on('end', () => res.end('{}')) })
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
    const ok = await startRecordingUpstream()
    const failing = await startFaultyUpstream('status500')
    closers.push(ok, failing)
    const config = writeTempConfig('headliner-logtrace-', {
      ok: { versions: { a: { url: ok.url, weight: 100 } } },
      failing: { outlier: { failures: 2 }, versions: { a: { url: failing.url, weight: 100 } } }
    })
    gw = await spawnHeadliner(['serve', '--config', config], (out) => { const l = listening(out); return l?.tracing === true ? l : undefined }, {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100'
    })
  })

  afterAll(async () => {
    gw?.child.kill('SIGTERM')
    await gw?.exited
    for (const c of closers) await c.close()
    await new Promise<void>((resolve) => receiver?.close(() => resolve()))
  })

  const lines = (): Line[] => gw.out().split('\n').flatMap((l) => { try { return [JSON.parse(l) as Line] } catch { return [] } })

  async function infer (model: string): Promise<number> {
    const res = await request(`${gw.data}/v2/models/${model}/infer`, { method: 'POST', body: oipBody(), headers: { 'content-type': 'application/json', traceparent: INCOMING } })
    await res.body.dump()
    return res.statusCode
  }

  it('puts the caller\'s trace id and a span id on the request line, a 404, an upstream fault and the ejection it causes', async () => {
    expect(await infer('ok')).toBe(200)
    expect(await infer('no-such-model')).toBe(404)
    expect(await infer('failing')).toBe(500)
    expect(await infer('failing')).toBe(500)
    // pino flushes at least once a second
    await until(() => lines().filter((l) => l.reqId !== undefined && l.res?.statusCode !== undefined).length >= 4 && lines().some((l) => /ejected|not ejected/.test(l.msg ?? '')), 15_000)
    const within = lines().filter((l) => l.reqId !== undefined || /ejected/.test(l.msg ?? ''))
    expect(within.map((l) => l.msg)).toEqual(expect.arrayContaining(['request completed', 'request failed']))
    expect(within.some((l) => /ejected/.test(l.msg ?? ''))).toBe(true)
    for (const line of within) {
      expect(line, JSON.stringify(line)).toMatchObject({ trace_id: TRACE_ID, span_id: expect.stringMatching(/^[0-9a-f]{16}$/) })
    }
  }, 60_000)
})
