/**
 * Preload for `node --import ./dist/telemetry/preload.js`: starts the OpenTelemetry SDK before any
 * module requires `node:http` or fastify, which instrumentation-http must patch first. bin/headliner.js
 * loads it itself when tracing is wanted (tracingWanted in sdk.ts). Does nothing when it is not.
 * main.ts's startTracing then finds the running SDK instead of starting a second one.
 */
import { createTracingSdk, tracingWanted } from './sdk.js'
import { PRELOADED } from './tracing.js'

if (tracingWanted(process.env)) {
  const sdk = createTracingSdk({ env: process.env, serviceName: process.env.OTEL_SERVICE_NAME })
  sdk.start()
  // The one process-wide hand-over: the preload runs before main and cannot pass arguments to it.
  ;(globalThis as Record<symbol, unknown>)[PRELOADED] = { shutdown: () => sdk.shutdown() }
}
