/**
 * Child spans of an inference request, for infer.ts and the shadow dispatcher: pre-process, upstream
 * call, post-process inside the request's trace, and each shadow call in a trace of its own that
 * links to the request (a shadow never delays the answer, so it must not stretch the request's trace).
 * The tracer is passed in (`trace.getTracer('headliner')` in production, a test provider in tests).
 * With tracing off the global tracer is a no-op and these cost a closure call.
 */
import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api'

/** Span attribute names Headliner adds (its own namespace, beside the HTTP semantic conventions). */
export const ATTR = { model: 'headliner.model', version: 'headliner.version', route: 'headliner.route', role: 'headliner.role' } as const

export type Stage = 'pre_process' | 'upstream' | 'post_process'

/** What a request span says about routing. */
export interface Routed { model: string, version: string, route: string }

async function run<T> (span: Span, fn: (span: Span) => Promise<T> | T): Promise<T> {
  try {
    return await fn(span)
  } catch (err) {
    span.recordException(err as Error)
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message })
    throw err
  } finally {
    span.end()
  }
}

export interface Spans {
  /** Sets model, version and route on the active (SERVER) span once the version is chosen. */
  annotateRequest (routed: Routed): void
  /**
   * Runs `fn` in a child span `headliner.<stage>` of the active span.
   * @example await spans.stage('upstream', { model, version, route }, () => forward(...))
   */
  stage<T> (stage: Stage, routed: Routed, fn: (span: Span) => Promise<T> | T): Promise<T>
  /**
   * Runs a shadow call in a new root span `headliner.shadow` linked to the active request span.
   * Call it where the shadow is dispatched (the request's context is still active there).
   */
  shadow<T> (routed: Omit<Routed, 'route'>, fn: (span: Span) => Promise<T> | T): Promise<T>
  /** The active trace id (32 hex digits) for exemplars, or undefined when nothing is sampled. */
  activeTraceId (): string | undefined
}

function attributes (routed: Partial<Routed>): Attributes {
  const out: Attributes = {}
  if (routed.model !== undefined) out[ATTR.model] = routed.model
  if (routed.version !== undefined) out[ATTR.version] = routed.version
  if (routed.route !== undefined) out[ATTR.route] = routed.route
  return out
}

/** @example const spans = createSpans(trace.getTracer('headliner', version)) */
export function createSpans (tracer: Tracer): Spans {
  return {
    annotateRequest (routed) {
      trace.getActiveSpan()?.setAttributes(attributes(routed))
    },
    stage (stage, routed, fn) {
      // INTERNAL: the upstream's CLIENT span is undici's, a child of this one.
      return tracer.startActiveSpan(`headliner.${stage}`, { kind: SpanKind.INTERNAL, attributes: attributes(routed) }, (span) => run(span, fn))
    },
    shadow (routed, fn) {
      const parent = trace.getActiveSpan()?.spanContext()
      const links = parent === undefined || !trace.isSpanContextValid(parent) ? [] : [{ context: parent }]
      const span = tracer.startSpan('headliner.shadow', { root: true, kind: SpanKind.INTERNAL, links, attributes: { ...attributes(routed), [ATTR.role]: 'shadow' } })
      return context.with(trace.setSpan(context.active(), span), () => run(span, fn))
    },
    activeTraceId () {
      const ctx = trace.getActiveSpan()?.spanContext()
      return ctx !== undefined && trace.isSpanContextValid(ctx) && (ctx.traceFlags & 1) === 1 ? ctx.traceId : undefined
    }
  }
}
