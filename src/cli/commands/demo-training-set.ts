/** `headliner demo training-set`: synthetic training rows (JSON Lines) for `profile build`. */
import { command } from '../command.js'
import { integer } from '../options.js'
import { trainingSet } from '../../demo/training-set.js'

interface Options { rows: number; seed: number }

export const demoTrainingSetCommand = command<Options>({
  name: ['demo', 'training-set'],
  summary: 'print synthetic training songs as JSON Lines (input of `profile build`)',
  define: (cmd) => cmd
    .option('--rows <n>', 'rows to print', integer(1, 10_000_000), 5000)
    .option('--seed <n>', 'random seed', integer(0, 2 ** 32 - 1), 1),
  run: async (o, _args, ctx) => {
    for (const line of trainingSet(o.rows, o.seed)) ctx.stdout.write(line + '\n')
    return 0
  }
})
