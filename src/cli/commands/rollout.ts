/**
 * `headliner rollout start|status|pause|resume|abort|promote|explain <model> [flags]`: the words
 * after `rollout` go to parseRolloutArgs and runRollout (src/cli/rollout.ts) as they are, so the
 * flags are parsed in one place. What the other client commands accept is honoured here too:
 * env HEADLINER_GATEWAY, `--token-file` and env HEADLINER_ADMIN_TOKEN_FILE.
 */
import { readFileSync } from 'node:fs'
import { command, UsageError } from '../command.js'
import { parseRolloutArgs, runRollout, USAGE } from '../rollout.js'

/** The flag's value and the words without it (`--flag V` or `--flag=V`). */
function take (args: string[], flag: string): { value?: string, rest: string[] } {
  const rest: string[] = []
  let value: string | undefined
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    if (a === flag) value = args[++i]
    else if (a.startsWith(`${flag}=`)) value = a.slice(flag.length + 1)
    else rest.push(a)
  }
  return value === undefined ? { rest } : { value, rest }
}

const has = (args: string[], flag: string): boolean => args.some((a) => a === flag || a.startsWith(`${flag}=`))

export const rolloutCommand = command<Record<string, never>>({
  name: ['rollout'],
  summary: 'start, watch, pause, resume, abort, promote or explain a phased rollout',
  define: (cmd) => cmd
    .argument('[words...]', 'the subcommand, the model and its flags')
    .allowUnknownOption()
    .addHelpText('after', `\n${USAGE}\n  also: --token-file FILE (env HEADLINER_ADMIN_TOKEN_FILE), env HEADLINER_GATEWAY`),
  run: async (_o, words, ctx) => {
    const { value: file, rest } = take(words, '--token-file')
    let args = rest
    const tokenFile = file ?? ctx.env.HEADLINER_ADMIN_TOKEN_FILE
    const envToken = ctx.env.HEADLINER_ADMIN_TOKEN
    if (!has(args, '--token') && (envToken === undefined || envToken === '') && tokenFile !== undefined && tokenFile !== '') {
      let token: string
      try {
        token = readFileSync(tokenFile, 'utf8').trim()
      } catch (err) {
        ctx.err(`headliner rollout: cannot read the token file ${tokenFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
        return 1
      }
      args = [...args, '--token', token]
    }
    const gateway = ctx.env.HEADLINER_GATEWAY
    if (!has(args, '--gateway') && gateway !== undefined && gateway !== '') args = [...args, '--gateway', gateway]
    let opts
    try {
      opts = parseRolloutArgs(args)
    } catch (err) {
      throw new UsageError(`${(err as Error).message}\n${USAGE}`)
    }
    return runRollout(opts, { out: ctx.out, err: ctx.err, env: ctx.env })
  }
})
