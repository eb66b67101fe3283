/** `headliner serve --config FILE`: the gateway, from a config file that is watched for changes. */
import { dirname, resolve } from 'node:path'
import { command } from '../command.js'
import { configCheck } from '../config-check.js'
import { loadConfigFile } from '../../config/load.js'
import { envAdminToken } from '../../admin/tokens.js'

interface Options { config: string }

export const serveCommand = command<Options>({
  name: ['serve'],
  summary: 'run the gateway from a config file (hot-reloaded when it changes)',
  define: (cmd) => cmd.requiredOption('-c, --config <file>', 'the config file (YAML)'),
  run: async (o, _args, ctx) => {
    const loaded = loadConfigFile(o.config)
    if (!loaded.ok) {
      configCheck(o.config, ctx.err)
      return 1
    }
    const adminToken = envAdminToken(ctx.env)
    const log = ctx.createLogger()
    if (adminToken === undefined && loaded.config.admin.tokens.length === 0) {
      log.warn('no admin token is configured (admin.tokens, admin.tokensFile, HEADLINER_ADMIN_TOKEN): the admin API refuses every call')
    }
    // A corrupt state file stops the start here (one line, exit 1); a Redis not up yet does not.
    // Loaded here, like serve.js below, so that the other commands start without the Redis client.
    const { createStore } = await import('../../state/index.js')
    const store = await createStore(loaded.config.state, { log, baseDir: dirname(resolve(o.config)) })
    const tracing = await ctx.startTracing()
    // Loaded here, after tracing started, and only by the commands that serve.
    const { serve } = await import('../serve.js')
    const gw = await serve(loaded.config, log, { version: ctx.version, file: o.config, adminToken, tracing: tracing !== undefined, store }).catch(async (err: unknown) => {
      await tracing?.shutdown()
      throw err
    })
    log.info({ data: gw.dataUrl, admin: gw.adminUrl, tracing: tracing !== undefined }, 'headliner listening')
    ctx.untilSignal(log, loaded.config.server.shutdownGraceMs, async () => {
      await gw.close()
      await tracing?.shutdown()
    })
    return 'running'
  }
})
