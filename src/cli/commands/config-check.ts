/** `headliner config check FILE`: the same load and checks as `serve`, without starting anything. */
import { command } from '../command.js'
import { configCheck } from '../config-check.js'

export const configCheckCommand = command<Record<string, never>>({
  name: ['config', 'check'],
  summary: 'validate a config file: every problem at once, each with its path and line:column; exit 1 if any',
  define: (cmd) => cmd.argument('<file>', 'the config file (YAML)'),
  run: async (_options, [file], ctx) => configCheck(file!, ctx.out)
})
