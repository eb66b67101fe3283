/**
 * The active span's ids for a log line, so a line and its trace can be joined (`trace_id`,
 * `span_id`, the OpenTelemetry log data model's names). Without tracing there is no active span
 * and the fields are absent. @opentelemetry/api is a no-op until an SDK registers a tracer.
 */
import { trace } from '@opentelemetry/api'

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
