/**
 * Shared parts of the driver tests: a real HTTP webhook receiver on port 0 (healthy, failing, slow),
 * a seeded traffic feeder that routes requests by the stored weights and records their outcome
 * through RolloutCounts, and a quiet logger.
 */
import { createServer, type Server } from 'node:http'
import { Writable } from 'node:stream'
import { pino, type Logger } from 'pino'
import type { RolloutCounts } from '../../../src/rollout/counts.js'
import type { Weights } from '../../../src/rollout/types.js'

export function quietLogger (): { log: Logger, lines: string[] } {
  const lines: string[] = []
  const log = pino({ level: 'info' }, new Writable({ write (c, _e, cb) { lines.push(String(c)); cb() } }))
  return { log, lines }
}

export interface Receiver {
  url: string
  bodies: Array<Record<string, unknown>>
  /** What the next requests get: a status, or a delay before 200. */
  mode: { status: number, delayMs: number }
  close (): Promise<void>
}

export async function startReceiver (): Promise<Receiver> {
  const bodies: Receiver['bodies'] = []
  const mode = { status: 200, delayMs: 0 }
  const server: Server = createServer((req, res) => {
    let text = ''
    req.on('data', (c: Buffer) => { text += c.toString() })
    req.on('end', () => {
      bodies.push(JSON.parse(text) as Record<string, unknown>)
      const answer = (): void => { res.statusCode = mode.status; res.end('{}') }
      if (mode.delayMs > 0) setTimeout(answer, mode.delayMs).unref()
      else answer()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    url: `http://127.0.0.1:${port}/hook`,
    bodies,
    mode,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

export interface Traffic {
  /** Probability that a call to the version fails with a 500. */
  failRate?: Record<string, number>
  /** Probability that a shadow comparison of candidate and baseline agrees (default: no comparisons). */
  agreement?: number
}

/** `n` requests routed by `weights` with `random`, recorded as the gateway would record them. */
export function feed (counts: RolloutCounts, model: string, weights: Weights, n: number, random: () => number, traffic: Traffic, pair?: { candidate: string, baseline: string }): void {
  const entries = Object.entries(weights).filter(([, w]) => w > 0)
  const total = entries.reduce((s, [, w]) => s + w, 0)
  for (let i = 0; i < n; i++) {
    let point = random() * total
    const version = entries.find(([, w]) => (point -= w) < 0)?.[0] ?? (entries[entries.length - 1] as [string, number])[0]
    const failed = random() < (traffic.failRate?.[version] ?? 0)
    counts.record({ model, version, route: 'weight', status: failed ? 500 : 200, durationMs: 5, upstreamError: false })
    if (traffic.agreement !== undefined && pair !== undefined && version === pair.baseline) {
      counts.recordComparison({ model, primary: pair.baseline, shadow: pair.candidate, agree: random() < traffic.agreement })
    }
  }
}
