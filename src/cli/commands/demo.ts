/**
 * `headliner demo`: the built-in hit predictor (three model servers) behind a gateway, no config
 * needed. Options are checked before anything starts; when a port is taken, whatever already
 * started is closed and the command exits 1 with one line.
 */
import { randomBytes } from 'node:crypto'
import { command } from '../command.js'
import { oneOf, port } from '../options.js'
import { DEMO_SCENARIOS, demoBanner, demoConfig, startDemoModels, type DemoScenario } from '../demo.js'
import { envAdminToken } from '../../admin/tokens.js'

interface Options { host: string; port: number; adminPort: number; modelPort: number; scenario: DemoScenario }

export const demoCommand = command<Options>({
  name: ['demo'],
  summary: 'run the built-in hit predictor (v1 90%, v2 10%, v3 shadow) behind a gateway',
  define: (cmd) => cmd
    .option('--host <address>', 'data-plane listen address', '127.0.0.1')
    .option('--port <port>', 'data-plane port (0: any free port)', port, 8080)
    .option('--admin-port <port>', 'admin port, on 127.0.0.1', port, 9901)
    .option('--model-port <port>', 'first of three model-server ports (0: any free ports)', port, 9001)
    .option('--scenario <name>', `one of ${DEMO_SCENARIOS.join(', ')}`, oneOf(DEMO_SCENARIOS), 'default'),
  run: async (o, _args, ctx) => {
    // The demo prints a token so that the admin API can be tried at once; `serve` never invents one.
    const adminToken = envAdminToken(ctx.env) ?? randomBytes(18).toString('base64url')
    const tracing = await ctx.startTracing()
    const { serve } = await import('../serve.js')
    const { MemoryStore } = await import('../../state/memory.js')
    const models = await startDemoModels(o).catch(async (err: unknown) => {
      await tracing?.shutdown()
      throw err
    })
    const closeModels = async () => { await Promise.all(models.map((m) => m.close())) }
    const [v1, v2, v3] = models.map((m) => m.url) as [string, string, string]
    const config = demoConfig(o, { v1, v2, v3 })
    const log = ctx.createLogger()
    // The demo's overrides and audit trail live in memory: they end with the demo.
    const gw = await serve(config, log, { version: ctx.version, adminToken, tracing: tracing !== undefined, store: new MemoryStore() }).catch(async (err: unknown) => {
      await closeModels()
      await tracing?.shutdown()
      throw err
    })
    ctx.out(demoBanner(gw.dataUrl, gw.adminUrl, adminToken, o.scenario, o.host))
    ctx.untilSignal(log, config.server.shutdownGraceMs, async () => {
      await gw.close()
      await closeModels()
      await tracing?.shutdown()
    })
    return 'running'
  }
})
