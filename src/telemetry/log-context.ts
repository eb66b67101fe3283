/**
 * The active span's ids for a log line, so a line and its trace can be joined (`trace_id`,
 * `span_id`, the OpenTelemetry log data model's names). Without tracing there is no active span
 * and the fields are absent. @opentelemetry/api is a no-op until an SDK registers a tracer.
 */
import { trace } from '@opentelemetry/api'
import type { Bindings, ChildLoggerOptions, Logger } from 'pino'

export interface TraceFields { trace_id?: string; span_id?: string }

export function traceFields (): TraceFields {
  const ctx = trace.getActiveSpan()?.spanContext()
  if (ctx === undefined || !trace.isSpanContextValid(ctx)) return {}
  return { trace_id: ctx.traceId, span_id: ctx.spanId }
}

/**
 * The one shape of a line's `err` field: `{type, message}`, plus `stack` only for an unexpected
 * Error (a bug). Log stores reject a field that is a string in one line and an object in another.
 */
export function errField (err: unknown): { type: string; message: string; stack?: string } {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code
    const expected = typeof code === 'string' && code.startsWith('HEADLINER_ERR_')
    return expected ? { type: code, message: err.message } : { type: err.name, message: err.message, ...(err.stack !== undefined ? { stack: err.stack } : {}) }
  }
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') {
    const e = err as { type?: unknown; message: string; stack?: unknown }
    return { type: typeof e.type === 'string' ? e.type : 'Error', message: e.message, ...(typeof e.stack === 'string' ? { stack: e.stack } : {}) }
  }
  return { type: 'Error', message: String(err) }
}

/**
 * A request's child logger, built on first use. fastify asks for a child per request, and a pino
 * child costs a few microseconds (its bindings serialised, its serializers merged); the data plane's
 * one line per response goes through a logger built once (src/gateway/accounting.ts), so on the
 * happy path a request's own child is never needed and never built. Anything that does log through
 * `request.log` (an error path, fastify itself) gets the very child it would have had. Methods live
 * on the prototype: a request allocates this object and its closure, nothing more.
 */
export class LazyChildLogger {
  #child: Logger | undefined
  readonly #make: () => Logger

  constructor (make: () => Logger) {
    this.#make = make
  }

  get #log (): Logger { return (this.#child ??= this.#make()) }
  get level (): string { return this.#log.level }
  set level (level: string) { this.#log.level = level }
  get msgPrefix (): string | undefined { return this.#log.msgPrefix }
  fatal (...args: LogArgs): void { this.#log.fatal(...args) }
  error (...args: LogArgs): void { this.#log.error(...args) }
  warn (...args: LogArgs): void { this.#log.warn(...args) }
  info (...args: LogArgs): void { this.#log.info(...args) }
  debug (...args: LogArgs): void { this.#log.debug(...args) }
  trace (...args: LogArgs): void { this.#log.trace(...args) }
  silent (): void {}
  isLevelEnabled (level: string): boolean { return this.#log.isLevelEnabled(level) }
  child (bindings: Bindings, options?: ChildLoggerOptions): Logger { return this.#log.child(bindings, options) }
}

type LogArgs = [obj: unknown, msg?: string, ...args: unknown[]]
