/**
 * The drain sequence on SIGTERM (main.ts owns the signal and calls `drain`), in the order a load
 * balancer needs it:
 *
 * 1. readiness fails at once (`/v2/health/ready` answers 503 "draining"), while every request,
 *    new or in flight, is still served;
 * 2. the listener keeps accepting for `server.drainDelayMs`: load balancers and kube-proxy notice an
 *    unready endpoint only at their next check, and until then they still send new connections;
 * 3. then the gateway stops accepting and lets the requests in flight finish, within
 *    `server.shutdownGraceMs`; keep-alive clients are told `connection: close`.
 *
 * The clock is passed in (tests), and nothing here exits the process: the caller does, with the
 * result.
 */
import type { Logger } from 'pino'

/** What drain needs of the gateway (src/app.ts's App has both). */
export interface Drainable {
  /** Fail readiness from now on; keep serving. */
  startDraining (): void
  /** Stop accepting, finish the requests in flight, release everything. */
  close (): Promise<void>
}

export interface DrainOptions {
  drainDelayMs: number
  graceMs: number
  log: Logger
  /** Waits `ms` (tests pass their own). */
  sleep?: (ms: number) => Promise<void>
}

/** `closed`: everything finished within the grace time; `grace_over`: something was still running. */
export type DrainResult = 'closed' | 'grace_over'

export async function drain (gateway: Drainable, opts: DrainOptions): Promise<DrainResult> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => { setTimeout(resolve, ms).unref() }))
  gateway.startDraining()
  opts.log.info({ drainDelayMs: opts.drainDelayMs }, 'draining: readiness fails now; still accepting for drainDelayMs')
  await sleep(opts.drainDelayMs)
  opts.log.info({ graceMs: opts.graceMs }, 'shutting down: draining in-flight requests')
  let timer: NodeJS.Timeout | undefined
  const graceOver = new Promise<DrainResult>((resolve) => { timer = setTimeout(() => { resolve('grace_over') }, opts.graceMs) })
  try {
    const result = await Promise.race([gateway.close().then((): DrainResult => 'closed'), graceOver])
    if (result === 'grace_over') opts.log.warn('grace period over with requests still in flight')
    return result
  } finally {
    clearTimeout(timer)
  }
}
