/**
 * `headliner serve`: build the gateway from a validated config, probe the upstreams, listen on the
 * data and admin ports. Returns a handle whose close() drains in-flight requests. When a port cannot
 * be taken, everything already started is closed before the error goes up.
 */
import type { Logger } from 'pino'
import { Registry } from 'prom-client'
import { buildApp, type App } from '../app.js'
import { STATIC_SECTIONS, type Config } from '../config/schema.js'
import { watchConfig } from '../config/watch.js'
import { listenReason } from './demo.js'
import { MemoryStore, type StateStore } from '../state/index.js'

export interface RunningGateway {
  app: App
  dataUrl: string
  adminUrl: string
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
  const app = await buildApp({ config, logger, registry: new Registry(), version: opts.version, adminToken: opts.adminToken, tracing: opts.tracing, store: opts.store }).catch(async (err: unknown) => {
    await opts.store.close()
    throw err
  })
  let dataUrl: string
  let adminUrl: string
  try {
    await app.start()
    dataUrl = await listen(app.data, 'data plane', config.server)
    adminUrl = await listen(app.admin, 'admin', config.admin)
  } catch (err) {
    await app.close()
    await opts.store.close()
    throw err
  }
  const watcher = opts.file === undefined ? undefined : watch(app, logger, opts.file)
  return {
    app,
    dataUrl,
    adminUrl,
    close: async () => {
      watcher?.close()
      await app.close()
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
        app.metrics.configReloads.labels('failure').inc()
        const problems = (err as { problems?: string[] }).problems ?? [(err as Error).message]
        logger.error({ file: result.file, problems }, 'config change refused; the last good config keeps serving')
      })
    },
    refuse: (result) => {
      app.metrics.configReloads.labels('failure').inc()
      logger.error({ file: result.file, problems: result.problems }, 'config change refused; the last good config keeps serving')
    }
  })
}
