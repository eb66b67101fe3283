/** `headliner overrides reset MODEL`: drop a model's runtime weights and mirrors, back to the config file's values. */
import { command } from '../command.js'
import { fetchModel, releaseOptions, versionTable, withClient, type ReleaseFlags } from '../release-client.js'

interface Flags extends ReleaseFlags { reason?: string }

export const overridesResetCommand = command<Flags>({
  name: ['overrides', 'reset'],
  summary: 'back to the config file\'s weights and mirrors (audited)',
  define: (cmd) => releaseOptions(cmd.argument('<model>', 'the model')).option('--reason <text>', 'why (kept in the audit trail)'),
  run: async (o, [model], ctx) => withClient(o, ctx, async (client) => {
    const query = o.reason === undefined ? '' : `?reason=${encodeURIComponent(o.reason)}`
    const result = await client.call<{ revision: number }>('DELETE', `/admin/models/${encodeURIComponent(model!)}/overrides${query}`)
    if (o.json) return ctx.out(JSON.stringify(result, null, 2))
    ctx.out(`${model}: overrides reset (revision ${result.revision})`)
    ctx.out(versionTable(await fetchModel(client, model!)))
  })
})
