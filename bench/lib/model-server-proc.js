/**
 * Child process: one demo model server version (the compiled one from dist/), the "direct" upstream.
 *
 *   node bench/lib/model-server-proc.js '{"version":"v1","port":9001,"delayMs":0}'
 *
 * It listens on the port the parent picked; the parent polls it for readiness.
 */
import { startModelServer } from '../../dist/demo/model-server.js'

const { version = 'v1', port, delayMs = 0 } = JSON.parse(process.argv[2] ?? '{}')
const server = await startModelServer({ version, port, delayMs })
const stop = () => { server.close().finally(() => process.exit(0)) }
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
