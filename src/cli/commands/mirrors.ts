/** `headliner mirrors set MODEL v3=25`: the percentage of traffic copied to a shadow (0 stops it), at run time. */
import { command } from '../command.js'
import { fetchModel, releaseOptions, versionTable, versionValues, withClient, type ReleaseFlags } from '../release-client.js'

interface Flags extends ReleaseFlags { reason?: string }

export const mirrorsSetCommand = command<Flags>({
  name: ['mirrors', 'set'],
  summary: 'set shadow copy percentages at run time (0 stops a shadow; audited)',
  define: (cmd) => releaseOptions(cmd.argument('<model>', 'the model').argument('<pairs...>', 'VERSION=PERCENT, e.g. v3=25'))
    .option('--reason <text>', 'why (kept in the audit trail)'),
  run: async (o, [model, ...pairs], ctx) => {
    const mirrors = versionValues(pairs, 'percent')
    return withClient(o, ctx, async (client) => {
      const result = await client.call<{ revision: number }>('PUT', `/admin/models/${encodeURIComponent(model!)}/mirrors`, { mirrors, ...(o.reason === undefined ? {} : { reason: o.reason }) })
      if (o.json) return ctx.out(JSON.stringify(result, null, 2))
      ctx.out(`${model}: mirrors set (revision ${result.revision})`)
      ctx.out(versionTable(await fetchModel(client, model!)))
    })
  }
})
