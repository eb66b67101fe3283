/**
 * `headliner status [--model m] [--gateway URL] [--json]`: the on-call question in one command.
 * Reads GET /status of the admin port and prints each model's versions and its verdict with the
 * reasons; exits by verdict so scripts and probes can branch on it (see src/cli/status.ts).
 */
import { command } from '../command.js'
import { AdminCallError, clientOptions, tokenOf, type ClientFlags } from '../admin-client.js'
import { NO_ANSWER_EXIT, runStatus } from '../status.js'

interface Options extends ClientFlags { model?: string; json: boolean }

const EXIT_HELP = `
Exit codes (by the worst verdict shown):
  0 healthy, 1 degraded, 2 failing, 3 insufficient_data,
  4 no answer (unreachable, timed out, token refused, unknown model, not a status report).
  A usage error (an unknown flag) exits 2 like every command: probes call it with fixed flags.

Example:
  headliner status --model hit-predictor --token "$TOKEN"; echo "exit $?"`

export const statusCommand = command<Options>({
  name: ['status'],
  summary: 'how each model is doing: per version traffic, errors, latency, shadows, drift; a verdict with reasons',
  define: (cmd) => {
    clientOptions(cmd)
      .option('--model <name>', 'only this model (its verdict decides the exit code)')
      .option('--json', 'print the GET /status JSON instead of the table', false)
      .addHelpText('after', EXIT_HELP)
  },
  run: async (o, _args, ctx) => {
    let token: string | undefined
    try {
      token = tokenOf(o, ctx.env)
    } catch (err) {
      if (!(err instanceof AdminCallError)) throw err
      ctx.err(`headliner status: ${err.message}`)
      return NO_ANSWER_EXIT
    }
    return await runStatus({
      gateway: o.gateway ?? ctx.env.HEADLINER_GATEWAY,
      json: o.json,
      timeoutMs: o.timeout,
      ...(o.model !== undefined ? { model: o.model } : {}),
      ...(token !== undefined ? { token } : {})
    }, { out: ctx.out, err: ctx.err, env: ctx.env })
  }
})
