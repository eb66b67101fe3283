/**
 * `headliner serve`: build the gateway from a validated config, probe the upstreams, listen on the
 * data and admin ports. Returns a handle whose close() drains in-flight requests.
 */
import type { Logger } from 'pino'
import { Registry } from 'prom-client'
import { buildApp, type App } from '../app.js'
import type { Config } from '../config/schema.js'

export interface RunningGateway {
  app: App
  dataUrl: string
  adminUrl: string
  close (): Promise<void>
}

export async function serve (config: Config, logger: Logger, opts: { version: string }): Promise<RunningGateway> {
  const app = await buildApp({ config, logger, registry: new Registry(), version: opts.version })
  await app.start()
  const dataUrl = await app.data.listen({ host: config.server.host, port: config.server.port })
  const adminUrl = await app.admin.listen({ host: config.admin.host, port: config.admin.port })
  return { app, dataUrl, adminUrl, close: () => app.close() }
}
