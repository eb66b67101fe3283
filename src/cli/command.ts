/**
 * What every command of the `headliner` command table is: a name (one or more words), a summary,
 * its arguments and options (declared on a commander Command, so `--help` and validation come
 * from one place), and a run function that returns an exit code.
 */
import type { Command } from 'commander'
import type { Logger } from 'pino'
import type { Tracing } from '../telemetry/tracing.js'

/** Exit codes: 0 done, 1 the command ran and failed (or refused), 2 it was called wrongly. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const

/** What main.ts hands a command: the process's env and streams, and the things only main may create. */
export interface CliContext {
  env: NodeJS.ProcessEnv
  version: string
  stdin: NodeJS.ReadableStream & { isTTY?: boolean }
  stdout: NodeJS.WritableStream
  /** One line to stdout / stderr. */
  out: (line: string) => void
  err: (line: string) => void
  /** The process's logger (level from env HEADLINER_LOG_LEVEL); long-running commands only. */
  createLogger: () => Logger
  /** Starts OpenTelemetry when the env asks for it (OTEL_EXPORTER_OTLP_ENDPOINT). */
  startTracing: () => Promise<Tracing | undefined>
  /** Keeps the process alive until SIGTERM/SIGINT, then runs `close` (bounded by `graceMs`) and exits. */
  untilSignal: (log: Logger, shutdown: Shutdown, close: () => Promise<void>) => void
}

/** A command returns an exit code, or `running` when it keeps serving until a signal. */
export type CommandResult = number | 'running'

export interface CommandDef<O = Record<string, unknown>> {
  /** Words after `headliner`: `['demo', 'traffic']`. A parent word (`config`) needs no entry of its own. */
  name: readonly string[]
  summary: string
  /** Declares arguments and options; commander validates them before `run` starts anything. */
  define?: (cmd: Command) => void
  run: (options: O, args: string[], ctx: CliContext) => Promise<CommandResult>
}

/** A call the command cannot act on (a missing or contradictory option): exit 2, like commander's own usage errors. */
export class UsageError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** Typed helper so each command file keeps its own options interface. */
export function command<O> (def: CommandDef<O>): CommandDef {
  return def as unknown as CommandDef
}

/** How a running command shuts down on SIGTERM (src/main.ts). */
export interface Shutdown {
  /** In-flight requests may take this long once the listener stopped accepting. */
  graceMs: number
  /** A gateway: fail readiness at once and keep accepting for drainDelayMs first. */
  startDraining?: () => void
  drainDelayMs?: number
}
