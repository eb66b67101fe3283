/** `headliner profile build`: a reference profile (JSON, on stdout) from training data. */
import { command, UsageError } from '../command.js'
import { httpUrl, integer } from '../options.js'

interface Options { input: string; model: string; bins: number; features?: string; score?: string; labels?: string }

export const profileBuildCommand = command<Options>({
  name: ['profile', 'build'],
  summary: 'build a drift reference profile from training data (.jsonl or .csv)',
  define: (cmd) => cmd
    .requiredOption('--input <file>', 'training rows: songs.jsonl or songs.csv')
    .requiredOption('--model <name>', 'the model the profile is for')
    .option('--bins <n>', 'bins per feature, 2-1000', integer(2, 1000), 10)
    .option('--features <a,b,c>', 'features to profile (default: every numeric column)')
    .option('--score <url>', 'score rows without predictions with this model server (needs --labels)', httpUrl)
    .option('--labels <file>', 'labels of the model\'s output columns, in order: written as prediction.labels (needed by --score)'),
  run: async (o, _args, ctx) => {
    if (o.score !== undefined && o.labels === undefined) throw new UsageError('--score needs --labels FILE (the model\'s output labels, in column order)')
    const { profileBuild } = await import('../profile-build.js')
    await profileBuild({
      input: o.input,
      model: o.model,
      bins: o.bins,
      ...(o.features !== undefined ? { features: o.features.split(',') } : {}),
      ...(o.score !== undefined ? { scoreUrl: o.score } : {}),
      ...(o.labels !== undefined ? { labels: o.labels } : {})
    }, ctx.stdout)
    return 0
  }
})
