#!/usr/bin/env node
// The installed `headliner` command: runs the compiled CLI (npm run build produces dist/).
// With tracing configured, the OpenTelemetry preload starts first, so its http instrumentation is in
// place before fastify loads (the same as `node --import ./dist/telemetry/preload.js dist/main.js`).
const env = process.env
if (env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_TRACES_EXPORTER) {
  await import('../dist/telemetry/preload.js')
}
await import('../dist/main.js')
