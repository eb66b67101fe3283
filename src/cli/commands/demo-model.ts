/**
 * `headliner demo-model --version v1|v2|v3`: one version of the built-in hit-predictor model server
 * (OIP v2 and KServe v1), alone in its process. The demo's Kubernetes model Deployments run it from
 * the gateway's image; `headliner demo` starts all three in-process instead.
 */
import { command } from '../command.js'
import { oneOf, port } from '../options.js'
import { listenReason } from '../demo.js'
import { startModelServer } from '../../demo/model-server.js'
import { DEMO_VERSIONS, type DemoVersion } from '../../demo/hit-model.js'

interface Options { version: DemoVersion; host: string; port: number }

/** Nothing to drain but answers in flight, which take milliseconds. */
const GRACE_MS = 5000

export const demoModelCommand = command<Options>({
  name: ['demo-model'],
  summary: 'run one version of the demo hit-predictor model server (OIP v2 and KServe v1)',
  define: (cmd) => cmd
    .requiredOption('--version <version>', `the model version, one of ${DEMO_VERSIONS.join(', ')}`, oneOf(DEMO_VERSIONS))
    .option('--host <address>', 'listen address', '127.0.0.1')
    .option('--port <port>', 'listen port (0: any free port)', port, 9001),
  run: async (o, _args, ctx) => {
    const log = ctx.createLogger()
    const server = await startModelServer({ version: o.version, host: o.host, port: o.port }).catch((err: unknown) => {
      throw new Error(`demo model server ${o.version} cannot listen on ${o.host}:${o.port}: ${listenReason(err)}`)
    })
    log.info({ version: o.version, url: server.url, host: o.host }, 'demo model listening')
    ctx.untilSignal(log, { graceMs: GRACE_MS }, () => server.close())
    return 'running'
  }
})
