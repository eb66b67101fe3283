/** `headliner weights get MODEL` and `headliner weights set MODEL v1=80 v2=20 --reason ..`: a running gateway's serving weights. */
import { command } from '../command.js'
import { fetchModel, releaseOptions, versionTable, versionValues, withClient, type ReleaseFlags } from '../release-client.js'

interface SetFlags extends ReleaseFlags { reason?: string }

export const weightsGetCommand = command<ReleaseFlags>({
  name: ['weights', 'get'],
  summary: 'print a model\'s weights: the file\'s, the runtime override, and what routes now',
  define: (cmd) => releaseOptions(cmd.argument('<model>', 'the model')),
  run: async (o, [model], ctx) => withClient(o, ctx, async (client) => {
    const m = await fetchModel(client, model!)
    ctx.out(o.json ? JSON.stringify(m, null, 2) : versionTable(m))
  })
})

export const weightsSetCommand = command<SetFlags>({
  name: ['weights', 'set'],
  summary: 'set serving weights at run time (versions not named keep theirs; audited)',
  define: (cmd) => releaseOptions(cmd.argument('<model>', 'the model').argument('<pairs...>', 'VERSION=WEIGHT, e.g. v1=80 v2=20'))
    .option('--reason <text>', 'why (kept in the audit trail)'),
  run: async (o, [model, ...pairs], ctx) => {
    const weights = versionValues(pairs, 'weight')
    return withClient(o, ctx, async (client) => {
      const result = await client.call<{ revision: number }>('PUT', `/admin/models/${encodeURIComponent(model!)}/weights`, { weights, ...(o.reason === undefined ? {} : { reason: o.reason }) })
      if (o.json) return ctx.out(JSON.stringify(result, null, 2))
      ctx.out(`${model}: weights set (revision ${result.revision})`)
      ctx.out(versionTable(await fetchModel(client, model!)))
    })
  }
})
