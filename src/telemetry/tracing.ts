/**
 * OpenTelemetry tracing, off unless an OTLP endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT; the SDK reads the other OTEL_* variables itself). main.ts
 * starts it before the app is built. Spans: one per inference request (@fastify/otel, which
 * continues an incoming `traceparent`) and one per upstream call (undici, through
 * diagnostics_channel, which injects the outgoing `traceparent`). Because undici injects its own,
 * the forwarder drops the incoming header while tracing is on: otherwise the upstream would receive
 * two traceparent headers.
 */
import { NodeSDK } from '@opentelemetry/sdk-node'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici'
import { FastifyOtelInstrumentation } from '@fastify/otel'

export interface Tracing { shutdown (): Promise<void> }

export function tracingWanted (env: NodeJS.ProcessEnv): boolean {
  return (env.OTEL_EXPORTER_OTLP_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? '') !== '' && env.OTEL_SDK_DISABLED !== 'true'
}

export function startTracing (serviceName: string): Tracing {
  const sdk = new NodeSDK({
    serviceName,
    traceExporter: new OTLPTraceExporter(),
    instrumentations: [
      // Registered on every fastify instance as it is created; the admin plane is skipped below.
      new FastifyOtelInstrumentation({ registerOnInitialization: true, ignorePaths: (opts: { url: string }) => opts.url.startsWith('/metrics') || opts.url.startsWith('/v2/health') }),
      new UndiciInstrumentation()
    ]
  })
  sdk.start()
  return { shutdown: () => sdk.shutdown() }
}
