/**
 * `headliner serve`: build the gateway from a validated config, probe the upstreams, listen on the
 * data and admin ports. Returns a handle whose close() drains in-flight requests.
 */
import type { Logger } from 'pino'
import { Registry } from 'prom-client'
import { buildApp, type App } from '../app.js'
import type { Config } from '../config/schema.js'
import { watchConfig } from '../config/watch.js'

export interface RunningGateway {
  app: App
  dataUrl: string
  adminUrl: string
  close (): Promise<void>
}

export async function serve (config: Config, logger: Logger, opts: { version: string; file?: string; adminToken?: string; tracing?: boolean }): Promise<RunningGateway> {
  const app = await buildApp({ config, logger, registry: new Registry(), version: opts.version, adminToken: opts.adminToken, tracing: opts.tracing })
  await app.start()
  const dataUrl = await app.data.listen({ host: config.server.host, port: config.server.port })
  const adminUrl = await app.admin.listen({ host: config.admin.host, port: config.admin.port })
  const watcher = opts.file === undefined
    ? undefined
    : watchConfig({
      file: opts.file,
      apply: (result) => {
        const current = app.runtime.snapshot.config
        const restartNeeded = (['server', 'admin', 'state', 'probe'] as const).filter((k) => JSON.stringify(current[k]) !== JSON.stringify(result.config[k]))
        if (restartNeeded.length > 0) logger.warn({ fields: restartNeeded }, 'config: these sections change only on restart; the rest is applied now')
        app.reload({ ...result.config, server: current.server, admin: current.admin, state: current.state, probe: current.probe }).then(() => {
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
  return {
    app,
    dataUrl,
    adminUrl,
    close: async () => {
      watcher?.close()
      await app.close()
    }
  }
}
