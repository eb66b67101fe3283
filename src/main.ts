/**
 * The `headliner` command. The only place that reads env, argv and signals, and that listens.
 *
 *   headliner demo [--port 8080] [--admin-port 9901] [--model-port 9001]
 *   headliner serve --config FILE
 *   headliner config check FILE
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { pino, type Logger } from 'pino'
import { loadConfigFile } from './config/load.js'
import { configCheck } from './cli/config-check.js'
import { serve, type RunningGateway } from './cli/serve.js'
import { DEMO_SCENARIOS, demoBanner, demoConfig, startDemoModels, type DemoOptions } from './cli/demo.js'
import { profileBuild } from './cli/profile-build.js'
import { trainingSet } from './demo/training-set.js'
import { parseDuration, runTraffic } from './demo/traffic.js'
import { startTracing, tracingWanted, type Tracing } from './telemetry/tracing.js'

const USAGE = `usage:
  headliner demo [--host 0.0.0.0] [--port 8080] [--admin-port 9901] [--model-port 9001] [--scenario default|stale-transform|shadows]
  headliner demo traffic [--url http://127.0.0.1:8080] [--model hit-predictor] [--rps 50] [--duration 60s] [--drift 0] [--named] [--users 1000] [--seed 1]
  headliner demo training-set [--rows 5000] [--seed 1]
  headliner serve --config FILE
  headliner config check FILE
  headliner profile build --input songs.jsonl|songs.csv --model NAME [--bins 10] [--features a,b,c] [--score MODEL_URL --labels FILE]
env: HEADLINER_LOG_LEVEL (info), HEADLINER_ADMIN_TOKEN (admin API bearer token),
     OTEL_EXPORTER_OTLP_ENDPOINT (turns tracing on; other OTEL_* variables as the OpenTelemetry SDK reads them)`

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }

/**
 * stdout, buffered: lines are written in blocks of at least 4 KiB (or on exit), one write per ~20
 * request lines instead of one each. The logger's destination is flushed on every exit path below.
 */
const logDestination = pino.destination({ dest: 1, minLength: 4096, sync: false })
process.on('exit', () => { try { logDestination.flushSync() } catch { /* nothing left to flush */ } })
// ...and at least once a second, so a quiet gateway's lines do not wait for the buffer to fill.
setInterval(() => { logDestination.flush() }, 1000).unref()

function createLogger (): Logger {
  return pino({
    level: process.env.HEADLINER_LOG_LEVEL ?? 'info',
    // Never log credentials, whatever a future log line includes.
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie', 'res.headers["set-cookie"]'], censor: '[redacted]' }
  }, logDestination)
}

/** Start tracing when an OTLP endpoint is configured; before any fastify instance exists. */
function maybeTracing (): Tracing | undefined {
  return tracingWanted(process.env) ? startTracing(process.env.OTEL_SERVICE_NAME ?? 'headliner') : undefined
}

/** SIGTERM/SIGINT: stop accepting, let in-flight requests finish (bounded), then exit. */
function onSignals (log: Logger, graceMs: number, close: () => Promise<void>): void {
  let closing = false
  const stop = (signal: string) => {
    if (closing) return
    closing = true
    log.info({ signal }, 'shutting down: draining in-flight requests')
    logDestination.flush()
    const timer = setTimeout(() => { log.warn('grace period over, exiting'); process.exit(1) }, graceMs)
    timer.unref()
    close().then(() => process.exit(0), (err: unknown) => { log.error({ err }, 'shutdown failed'); process.exit(1) })
  }
  process.once('SIGTERM', () => stop('SIGTERM'))
  process.once('SIGINT', () => stop('SIGINT'))
}

async function main (argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'config': {
      if (rest[0] !== 'check' || rest[1] === undefined) break
      return configCheck(rest[1], (line) => console.log(line))
    }
    case 'serve': {
      const { values } = parseArgs({ args: rest, options: { config: { type: 'string', short: 'c' } } })
      if (values.config === undefined) break
      const loaded = loadConfigFile(values.config)
      if (!loaded.ok) {
        configCheck(values.config, (line) => console.error(line))
        return 1
      }
      const log = createLogger()
      const adminToken = process.env.HEADLINER_ADMIN_TOKEN
      if (adminToken === undefined || adminToken === '') log.warn('HEADLINER_ADMIN_TOKEN is not set: the admin API refuses every call')
      const tracing = maybeTracing()
      const gw: RunningGateway = await serve(loaded.config, log, { version: pkg.version, file: values.config, adminToken, tracing: tracing !== undefined })
      log.info({ data: gw.dataUrl, admin: gw.adminUrl, tracing: tracing !== undefined }, 'headliner listening')
      logDestination.flush()
      onSignals(log, loaded.config.server.shutdownGraceMs, async () => {
        await gw.close()
        await tracing?.shutdown()
      })
      return -1
    }
    case 'profile': {
      if (rest[0] !== 'build') break
      const { values } = parseArgs({ args: rest.slice(1), options: { input: { type: 'string' }, model: { type: 'string' }, bins: { type: 'string', default: '10' }, features: { type: 'string' }, score: { type: 'string' }, labels: { type: 'string' } } })
      if (values.input === undefined || values.model === undefined) break
      await profileBuild({
        input: values.input,
        model: values.model,
        bins: Number(values.bins),
        ...(values.features !== undefined ? { features: values.features.split(',') } : {}),
        ...(values.score !== undefined ? { scoreUrl: values.score } : {}),
        ...(values.labels !== undefined ? { labels: values.labels } : {})
      }, process.stdout)
      return 0
    }
    case 'demo': {
      if (rest[0] === 'training-set') {
        const { values } = parseArgs({ args: rest.slice(1), options: { rows: { type: 'string', default: '5000' }, seed: { type: 'string', default: '1' } } })
        for (const line of trainingSet(Number(values.rows), Number(values.seed))) process.stdout.write(line + '\n')
        return 0
      }
      if (rest[0] === 'traffic') {
        const { values } = parseArgs({
          args: rest.slice(1),
          options: {
            url: { type: 'string', default: 'http://127.0.0.1:8080' },
            model: { type: 'string', default: 'hit-predictor' },
            rps: { type: 'string', default: '50' },
            duration: { type: 'string', default: '60s' },
            drift: { type: 'string', default: '0' },
            named: { type: 'boolean', default: false },
            users: { type: 'string', default: '1000' },
            seed: { type: 'string', default: '1' }
          }
        })
        const report = await runTraffic({
          url: values.url,
          model: values.model,
          rps: Number(values.rps),
          durationMs: parseDuration(values.duration),
          drift: Number(values.drift),
          named: values.named,
          users: Number(values.users),
          seed: Number(values.seed)
        }, (r) => console.error(`sent ${r.sent}, ok ${r.ok}, failed ${r.failed}`))
        console.log(JSON.stringify(report))
        return report.failed > 0 ? 1 : 0
      }
      const { values } = parseArgs({
        args: rest,
        options: {
          host: { type: 'string', default: '0.0.0.0' },
          port: { type: 'string', default: '8080' },
          'admin-port': { type: 'string', default: '9901' },
          'model-port': { type: 'string', default: '9001' },
          scenario: { type: 'string', default: 'default' }
        }
      })
      const scenario = DEMO_SCENARIOS.find((s) => s === values.scenario)
      if (scenario === undefined) {
        console.error(`--scenario must be one of ${DEMO_SCENARIOS.join(', ')}, got "${values.scenario}"`)
        return 2
      }
      const opts: DemoOptions = { host: values.host, port: Number(values.port), adminPort: Number(values['admin-port']), modelPort: Number(values['model-port']), scenario }
      const log = createLogger()
      const models = await startDemoModels(opts)
      const [v1, v2, v3] = models.map((m) => m.url) as [string, string, string]
      const config = demoConfig(opts, { v1, v2, v3 })
      // The demo prints a token so that the admin API can be tried at once; `serve` never invents one.
      const adminToken = process.env.HEADLINER_ADMIN_TOKEN ?? randomBytes(18).toString('base64url')
      const tracing = maybeTracing()
      const gw = await serve(config, log, { version: pkg.version, adminToken, tracing: tracing !== undefined })
      console.log(demoBanner(gw.dataUrl.replace('0.0.0.0', '127.0.0.1'), gw.adminUrl, adminToken, opts.scenario))
      onSignals(log, config.server.shutdownGraceMs, async () => {
        await gw.close()
        await Promise.all(models.map((m) => m.close()))
        await tracing?.shutdown()
      })
      return -1
    }
    case undefined:
    case 'help':
    case '--help':
      console.log(USAGE)
      return 0
  }
  console.error(USAGE)
  return 2
}

main(process.argv.slice(2)).then((code) => {
  if (code >= 0) process.exitCode = code
}, (err: unknown) => {
  console.error(err instanceof Error ? err.message : err)
  process.exitCode = 1
})
