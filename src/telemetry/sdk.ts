/**
 * The OpenTelemetry Node SDK as Headliner configures it. Tracing by the HTTP semantic conventions
 * (@opentelemetry/instrumentation-http: one SERVER span per request, named `POST <route>` once fastify
 * has matched it) and one CLIENT span per upstream call (undici, which injects `traceparent`).
 * The standard OTEL_* variables decide the rest: OTEL_TRACES_EXPORTER and OTEL_EXPORTER_OTLP_PROTOCOL
 * (http/protobuf by default, http/json, grpc) pick the exporter, OTEL_SERVICE_NAME and
 * OTEL_RESOURCE_ATTRIBUTES win over the defaults `service.name=headliner` and `service.version`, and no
 * metrics are pushed unless OTEL_METRICS_EXPORTER asks (Prometheus scrapes /metrics instead).
 */
import { subscribe } from 'node:diagnostics_channel'
import { readFileSync } from 'node:fs'
import type { IncomingMessage } from 'node:http'
import { context } from '@opentelemetry/api'
import { getRPCMetadata, RPCType } from '@opentelemetry/core'
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http'
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { NodeSDK } from '@opentelemetry/sdk-node'
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base'

/** Paths never traced: probes and scrapes arrive every few seconds and say nothing about a request. */
const UNTRACED = [/^\/v2\/health\//, /^\/v2\/models\/[^/]+(\/versions\/[^/]+)?\/ready$/, /^\/metrics$/, /^\/healthz$/, /^\/readyz$/]

/** Whether a request path is left untraced (the instrumentation's ignoreIncomingRequestHook). */
export function untracedPath (url: string): boolean {
  const path = url.split('?')[0] ?? url
  return UNTRACED.some((re) => re.test(path))
}

/** Tracing is on when an OTLP endpoint is set or OTEL_TRACES_EXPORTER names an exporter (and the SDK is not disabled). */
export function tracingWanted (env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED === 'true') return false
  const exporter = env.OTEL_TRACES_EXPORTER ?? ''
  if (exporter !== '') return exporter !== 'none'
  return (env.OTEL_EXPORTER_OTLP_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? '') !== ''
}

/**
 * Metric readers for the SDK: none unless OTEL_METRICS_EXPORTER is set (then `undefined`: the SDK
 * reads the variable itself). The SDK's own default would push OTLP metrics every 60 s.
 */
export function metricReadersFor (env: NodeJS.ProcessEnv): [] | undefined {
  return (env.OTEL_METRICS_EXPORTER ?? '') === '' ? [] : undefined
}

function packageVersion (): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

/**
 * Names the SERVER span after fastify's route (`POST /v2/models/:model/infer`, and `http.route`):
 * fastify publishes each matched request on the `tracing:fastify.request.handler` channel, inside the
 * request's context, where instrumentation-http keeps the route it names the span by at the end.
 */
function nameSpansByRoute (): void {
  subscribe('tracing:fastify.request.handler:start', (message) => {
    const store = message as { request?: { routeOptions?: { url?: string } } }
    const route = store.request?.routeOptions?.url
    const rpc = getRPCMetadata(context.active())
    if (route !== undefined && rpc?.type === RPCType.HTTP) rpc.route = route
  })
}

export interface SdkOptions {
  env: NodeJS.ProcessEnv
  /** service.name when neither OTEL_SERVICE_NAME nor OTEL_RESOURCE_ATTRIBUTES sets one. */
  serviceName?: string
  /** Tests: span processors instead of the exporter chosen by OTEL_TRACES_EXPORTER. */
  spanProcessors?: SpanProcessor[]
}

/**
 * A configured, not yet started SDK.
 * @example const sdk = createTracingSdk({ env: process.env }); sdk.start()
 */
export function createTracingSdk (opts: SdkOptions): NodeSDK {
  nameSpansByRoute()
  return new NodeSDK({
    // Defaults only: the SDK merges the OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES detector over them.
    resource: resourceFromAttributes({ 'service.name': opts.serviceName ?? 'headliner', 'service.version': packageVersion() }),
    ...(opts.spanProcessors === undefined ? {} : { spanProcessors: opts.spanProcessors }),
    ...(metricReadersFor(opts.env) === undefined ? {} : { metricReaders: [] }),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req: IncomingMessage) => untracedPath(req.url ?? ''),
        // Upstream calls go through undici; Node's http client is only used by the OTLP exporter itself.
        ignoreOutgoingRequestHook: () => true
      }),
      new UndiciInstrumentation()
    ]
  })
}
