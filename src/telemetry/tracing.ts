/**
 * Tracing start-up as main.ts calls it. The SDK is normally started by the preload
 * (src/telemetry/preload.ts, loaded by bin/headliner.js when tracing is wanted) so that the http
 * instrumentation patches `node:http` before fastify loads; startTracing then returns that SDK. Started
 * here instead (the preload was skipped), requests are still traced only if `node:http` had not
 * been loaded yet. Because undici injects a traceparent into each upstream call, the forwarder drops
 * the incoming header while tracing is on: otherwise the upstream would receive two.
 */
import { createTracingSdk, tracingWanted } from './sdk.js'

export { tracingWanted }

export interface Tracing { shutdown (): Promise<void> }

/** Where the preload leaves its handle for startTracing. */
export const PRELOADED = Symbol.for('headliner.tracing.preloaded')

/** The SDK the preload started, if it ran. */
export function preloadedTracing (): Tracing | undefined {
  return (globalThis as Record<symbol, Tracing | undefined>)[PRELOADED]
}

/** @param serviceName the default service.name; OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES win. */
export function startTracing (serviceName: string): Tracing {
  const preloaded = preloadedTracing()
  if (preloaded !== undefined) return preloaded
  const sdk = createTracingSdk({ env: process.env, serviceName })
  sdk.start()
  return { shutdown: () => sdk.shutdown() }
}
