/**
 * The `headliner` process: the only place that reads env, argv and signals. argv goes to the
 * command table (src/cli/index.ts); `headliner --help` lists the commands.
 */
import { readFileSync } from 'node:fs'
import { pino, type Logger } from 'pino'
import { runCli } from './cli/index.js'
import type { CliContext, Shutdown } from './cli/command.js'
import { drain } from './gateway/drain.js'
import { traceFields } from './telemetry/log-context.js'

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }

/**
 * stdout, buffered: lines are written in blocks of at least 4 KiB (or on exit), one write per ~20
 * request lines instead of one each. The logger's destination is flushed on every exit path below.
 */
let logDestination: ReturnType<typeof pino.destination> | undefined
process.on('exit', () => { try { logDestination?.flushSync() } catch { /* nothing left to flush */ } })

function createLogger (): Logger {
  logDestination ??= pino.destination({ dest: 1, minLength: 4096, sync: false })
  const dest = logDestination
  // ...and at least once a second, so a quiet gateway's lines do not wait for the buffer to fill.
  setInterval(() => { dest.flush() }, 1000).unref()
  return pino({
    level: process.env.HEADLINER_LOG_LEVEL ?? 'info',
    // Every line logged within a traced request (the request line, errors, upstream faults,
    // ejections) carries its trace_id and span_id; without an active span this adds nothing.
    mixin: traceFields,
    // Never log credentials, whatever a future log line includes.
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie', 'res.headers["set-cookie"]'], censor: '[redacted]' }
  }, dest)
}

/**
 * SIGTERM/SIGINT. With a gateway (`shutdown.startDraining`): readiness fails at once, the listener
 * keeps accepting for drainDelayMs, then in-flight requests finish within graceMs (src/gateway/drain.ts).
 * Without one (a demo model server): stop accepting and finish within graceMs.
 */
function untilSignal (log: Logger, shutdown: Shutdown, close: () => Promise<void>): void {
  let closing = false
  const stop = (signal: string) => {
    if (closing) return
    closing = true
    log.info({ signal }, 'shutting down: draining in-flight requests')
    logDestination?.flush()
    const exit = (code: number) => { logDestination?.flush(); process.exit(code) }
    if (shutdown.startDraining !== undefined) {
      const gateway = { startDraining: shutdown.startDraining, close }
      drain(gateway, { drainDelayMs: shutdown.drainDelayMs ?? 0, graceMs: shutdown.graceMs, log })
        .then((result) => { exit(result === 'closed' ? 0 : 1) }, (err: unknown) => { log.error({ err }, 'shutdown failed'); exit(1) })
      return
    }
    const timer = setTimeout(() => { log.warn('grace period over, exiting'); exit(1) }, shutdown.graceMs)
    timer.unref()
    close().then(() => { exit(0) }, (err: unknown) => { log.error({ err }, 'shutdown failed'); exit(1) })
  }
  process.once('SIGTERM', () => stop('SIGTERM'))
  process.once('SIGINT', () => stop('SIGINT'))
  // Flushed only now: a supervisor that signals on seeing the "listening" line must find the handlers
  // in place (flushed before them, a SIGTERM right after the line killed the process, exit by signal).
  logDestination?.flush()
}

const ctx: CliContext = {
  env: process.env,
  version: pkg.version,
  stdin: process.stdin,
  stdout: process.stdout,
  out: (line) => { process.stdout.write(line + '\n') },
  err: (line) => { process.stderr.write(line + '\n') },
  createLogger,
  // Before any fastify instance exists, so that the instrumentations patch what they must. Loaded
  // only when wanted: the SDK is most of the start-up time of a short command like `--help`.
  startTracing: async () => {
    const tracing = await import('./telemetry/tracing.js')
    return tracing.tracingWanted(process.env) ? tracing.startTracing(process.env.OTEL_SERVICE_NAME ?? 'headliner') : undefined
  },
  untilSignal
}

runCli(process.argv.slice(2), ctx).then((code) => {
  if (code !== 'running') process.exitCode = code
}, (err: unknown) => {
  // runCli prints its own errors; this is a last resort that still keeps to one line.
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exitCode = 1
})
