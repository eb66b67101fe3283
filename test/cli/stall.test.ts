import { writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { GOOD_ANSWER } from '../helpers/fault-server.js'
import { configYaml, listening, spawnHeadliner, writeTempConfig, type Listening, type Spawned } from '../helpers/cli.js'
import { until } from '../helpers/wait.js'

// Regression: a gateway paused by SIGSTOP (or any long stall of its event loop) answered 503 "no
// ready version" after SIGCONT: the probes' deadlines had expired while it was stopped, their
// timeouts fired at once on resume, and readiness flipped although the upstream was fine.

const PROBE = { intervalMs: 200, timeoutMs: 300, unhealthyThreshold: 2 }
/** Each stop is longer than timeoutMs x unhealthyThreshold. */
const STOP_MS = 1000
const INFER = JSON.stringify({ inputs: [{ name: 'x', shape: [1, 2], datatype: 'FP32', data: [1, 2] }] })

let upstream: Server
let gw: Listening & Spawned
/** Probes still to be answered with a stop of the gateway: SIGSTOP when the probe arrives, SIGCONT, then the answer. */
let stopsLeft = 0
let lastResume = 0
/** The gateway's log lines about readiness (out() keeps only the tail, full of request lines). */
let readinessLog = ''

/** Stop the gateway while its probe is in flight; answer only after the resume, so its deadline has passed while it was stopped. */
function stopDuringProbe (answer: () => void): void {
  gw.child.kill('SIGSTOP')
  setTimeout(() => {
    gw.child.kill('SIGCONT')
    lastResume = Date.now()
    // Late enough that the expired deadline fires first even on a slow machine.
    setTimeout(answer, 500)
  }, STOP_MS)
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.setHeader('content-type', 'application/json')
      if (req.method !== 'GET') {
        res.end(GOOD_ANSWER)
        return
      }
      const answer = () => { res.end(JSON.stringify({ name: 'm', versions: ['1'], platform: 'test', inputs: [], outputs: [] })) }
      if (stopsLeft > 0 && req.url === '/v2/models/m') {
        stopsLeft--
        stopDuringProbe(answer)
      } else {
        answer()
      }
    })
  })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
  const file = writeTempConfig('headliner-stall-', {})
  writeFileSync(file, configYaml({ m: { versions: { v1: { url, weight: 100 } } } }) + `probe: ${JSON.stringify(PROBE)}\n`)
  gw = await spawnHeadliner(['serve', '--config', file], listening)
  gw.child.stdout!.on('data', (c: Buffer) => { readinessLog += String(c).split('\n').filter((l) => l.includes('probe') || l.includes('ready')).join('\n') })
})

afterAll(async () => {
  gw.child.kill('SIGCONT')
  gw.child.kill('SIGKILL')
  await gw.exited
  upstream.closeAllConnections()
  await new Promise<void>((resolve) => upstream.close(() => resolve()))
})

/** Four clients in a loop; each answer is recorded with the time its request was sent. */
function clients () {
  const answers: { sent: number; status: number; body: string }[] = []
  let running = true
  const one = async () => {
    while (running) {
      const sent = Date.now()
      try {
        const res = await request(gw.data + '/v2/models/m/infer', { method: 'POST', body: INFER, headers: { 'content-type': 'application/json' }, headersTimeout: 30_000, bodyTimeout: 30_000 })
        answers.push({ sent, status: res.statusCode, body: await res.body.text() })
      } catch (err) {
        answers.push({ sent, status: 0, body: (err as Error).message })
      }
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
  const all = Promise.all(Array.from({ length: 4 }, one))
  return { answers, stop: async () => { running = false; await all } }
}

describe('a gateway stopped and resumed', () => {
  it('keeps its versions ready: a probe whose deadline passed while it was stopped is not counted, no 503 "no ready version"', async () => {
    const load = clients()
    await until(() => load.answers.length >= 20, 15_000)
    // Two probes in a row meet a stop: before, that was unhealthyThreshold failures and the version went down.
    stopsLeft = 2
    await until(() => stopsLeft === 0 && lastResume > 0, 20_000)
    await until(() => Date.now() - lastResume > 3 * PROBE.intervalMs && load.answers.filter((a) => a.sent >= lastResume).length >= 100, 20_000)
    await load.stop()
    const failed = load.answers.filter((a) => a.status !== 200).map((a) => `${a.status} ${a.body}`)
    expect(failed).toEqual([])
    expect(readinessLog).not.toContain('"msg":"version not ready"')
    expect(readinessLog).toContain('readiness probe failed while the process was stalled; not counted, probing again')
  }, 60_000)
})
