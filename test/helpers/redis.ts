/**
 * Test harness for a real redis-server (Debian's package): started on a free loopback port in a temp
 * directory, ready once it answers PING; `stop` and `start` again on the same port and data for outage
 * tests. AOF with fsync on every write, so a restart keeps the data as a production Redis should.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, waitFor } from './prometheus.js'

export const REDIS_BIN = '/usr/bin/redis-server'

/** The reason a Redis test cannot run here, or undefined when it can. */
export function redisMissing (): string | undefined {
  return existsSync(REDIS_BIN) ? undefined : `${REDIS_BIN} not found (Debian package "redis-server")`
}

export interface RunningRedis {
  url: string
  port: number
  /** Stops the server (SIGTERM, then SIGKILL after 5 s); the data stays for `start`. */
  stop (): Promise<void>
  /** Starts it again on the same port and data; resolves once it answers PING. */
  start (): Promise<void>
  /** Pauses the process (SIGSTOP): connections stay open, nothing answers. `resume` undoes it. */
  pause (): void
  resume (): void
  log (): string
  /** Stops it and removes its directory. */
  close (): Promise<void>
}

/** One PING over a raw socket: true when the answer is +PONG within `ms`. */
export async function ping (port: number, ms = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    const done = (ok: boolean): void => { socket.destroy(); clearTimeout(timer); resolve(ok) }
    const timer = setTimeout(() => done(false), ms)
    socket.once('error', () => done(false))
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (d: Buffer) => done(d.toString().startsWith('+PONG')))
  })
}

export async function startRedis (opts: { timeoutMs?: number } = {}): Promise<RunningRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'headliner-redis-'))
  const port = await freePort()
  let child: ChildProcess | undefined
  let exited: Promise<void> = Promise.resolve()
  let log = ''
  const start = async (): Promise<void> => {
    const proc = spawn(REDIS_BIN, [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
      '--appendonly', 'yes', '--appendfsync', 'always', '--daemonize', 'no', '--loglevel', 'warning'
    ], { stdio: ['ignore', 'pipe', 'pipe'] })
    child = proc
    const append = (c: Buffer): void => { log = (log + c.toString()).slice(-20_000) }
    proc.stdout?.on('data', append)
    proc.stderr?.on('data', append)
    let gone = false
    exited = new Promise<void>((resolve) => proc.once('exit', () => { gone = true; resolve() }))
    await waitFor('redis-server to answer PING', async () => {
      if (gone) throw new Error(`redis-server exited:\n${log}`)
      return (await ping(port)) ? true : undefined
    }, { timeoutMs: opts.timeoutMs ?? 15_000, intervalMs: 50 })
  }
  const stop = async (): Promise<void> => {
    const proc = child
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return
    proc.kill('SIGCONT')
    proc.kill('SIGTERM')
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }
  try {
    await start()
  } catch (err) {
    await stop()
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    start,
    pause: () => { child?.kill('SIGSTOP') },
    resume: () => { child?.kill('SIGCONT') },
    log: () => log,
    close: async () => {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
