/**
 * `headliner serve`: build the gateway from a validated config, probe the upstreams, listen on the
 * data and admin ports (and the metrics port when the config has one). Returns a handle whose close() drains in-flight requests. When a port cannot
 * be taken, everything already started is closed before the error goes up.
 */
import type { Logger } from 'pino'
import { buildApp, type App } from '../app.js'
import { STATIC_SECTIONS, type Config } from '../config/schema.js'
import { watchConfig } from '../config/watch.js'
import { recordConfigReload } from '../metrics/control-plane.js'
import { createRegistry } from '../metrics/exposition.js'
import { buildMetricsApp } from '../metrics/listener.js'
import { listenReason } from './demo.js'
import { MemoryStore, type StateStore } from '../state/index.js'

export interface RunningGateway {
  app: App
  dataUrl: string
  adminUrl: string
  /** The metrics listener's URL, when the config has `metrics:`. */
  metricsUrl?: string
  close (): Promise<void>
}

export interface ServeOptions {
  version: string
  /** The config file to watch; absent for the demo's built-in config. */
  file?: string
  /** The env token (HEADLINER_ADMIN_TOKEN or the file HEADLINER_ADMIN_TOKEN_FILE names): a write token named `admin`. */
  adminToken?: string
  tracing?: boolean
  /** The state store (from `config.state`, or memory for the demo); closed with the gateway. Default: memory (tests). */
  store?: StateStore
}

export async function serve (config: Config, logger: Logger, options: ServeOptions): Promise<RunningGateway> {
  const opts = { ...options, store: options.store ?? new MemoryStore() }
  // Exemplars (the trace id on the request duration histogram) need an OpenMetrics registry.
  const registry = createRegistry({ exemplars: opts.tracing ?? false })
  const app = await buildApp({ config, logger, registry, version: opts.version, adminToken: opts.adminToken, tracing: opts.tracing, store: opts.store }).catch(async (err: unknown) => {
    await opts.store.close()
    throw err
  })
  const metricsApp = config.metrics === undefined ? undefined : buildMetricsApp({ logger, registry, flush: () => { app.observers.flush() } })
  let dataUrl: string
  let adminUrl: string
  let metricsUrl: string | undefined
  try {
    await app.start()
    dataUrl = await listen(app.data, 'data plane', config.server)
    adminUrl = await listen(app.admin, 'admin', config.admin)
    if (metricsApp !== undefined && config.metrics !== undefined) metricsUrl = await listen(metricsApp, 'metrics', config.metrics)
  } catch (err) {
    await metricsApp?.close()
    await app.close()
    await opts.store.close()
    throw err
  }
  const watcher = opts.file === undefined ? undefined : watch(app, logger, opts.file)
  return {
    app,
    dataUrl,
    adminUrl,
    ...(metricsUrl === undefined ? {} : { metricsUrl }),
    close: async () => {
      watcher?.close()
      await app.close()
      await metricsApp?.close()
      await opts.store.close()
    }
  }
}

async function listen (server: App['data'], what: string, at: { host: string; port: number }): Promise<string> {
  try {
    // A copy: fastify writes into the options object, and the loaded config is frozen.
    return await server.listen({ host: at.host, port: at.port })
  } catch (err) {
    throw new Error(`${what} cannot listen on ${at.host}:${at.port}: ${listenReason(err)}`)
  }
}

/** Applies each valid edit of the file; the static sections keep their running values until a restart. */
function watch (app: App, logger: Logger, file: string): { close (): void } {
  return watchConfig({
    file,
    apply: (result) => {
      const current = app.runtime.snapshot.config
      const restartNeeded = STATIC_SECTIONS.filter((k) => JSON.stringify(current[k]) !== JSON.stringify(result.config[k]))
      if (restartNeeded.length > 0) logger.warn({ fields: restartNeeded }, 'config: these sections change only on restart; the rest is applied now')
      const kept = Object.fromEntries(STATIC_SECTIONS.map((k) => [k, current[k]]))
      app.reload({ ...result.config, ...kept }).then(() => {
        logger.info({ file: result.file }, 'config reloaded')
      }, (err: unknown) => {
        recordConfigReload(app.metrics, false, Date.now)
        const problems = (err as { problems?: string[] }).problems ?? [(err as Error).message]
        logger.error({ file: result.file, problems }, 'config change refused; the last good config keeps serving')
      })
    },
    refuse: (result) => {
      recordConfigReload(app.metrics, false, Date.now)
      app.reloadRefused(result.problems.join('; '))
      logger.error({ file: result.file, problems: result.problems }, 'config change refused; the last good config keeps serving')
    }
  })
}
