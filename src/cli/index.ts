/**
 * The `headliner` command table. Each entry is one file under commands/; adding a command is that
 * file plus its line in COMMANDS. commander gives every command `--help`/`-h` (exit 0) and checks
 * options before anything starts; usage errors exit 2, runtime failures 1 (see EXIT).
 */
import { Command, CommanderError } from 'commander'
import { EXIT, UsageError, type CliContext, type CommandDef, type CommandResult } from './command.js'
import { configCheckCommand } from './commands/config-check.js'
import { demoCommand } from './commands/demo.js'
import { demoModelCommand } from './commands/demo-model.js'
import { demoTrafficCommand } from './commands/demo-traffic.js'
import { demoTrainingSetCommand } from './commands/demo-training-set.js'
import { profileBuildCommand } from './commands/profile-build.js'
import { serveCommand } from './commands/serve.js'
import { statusCommand } from './commands/status.js'
import { tokenHashCommand } from './commands/token-hash.js'
import { weightsGetCommand, weightsSetCommand } from './commands/weights.js'
import { mirrorsSetCommand } from './commands/mirrors.js'
import { overridesResetCommand } from './commands/overrides.js'
import { auditCommand } from './commands/audit.js'
import { rolloutCommand } from './commands/rollout.js'

/** Parents come before their children (`demo` before `demo traffic`). */
export const COMMANDS: readonly CommandDef[] = [
  serveCommand,
  configCheckCommand,
  demoCommand,
  demoTrafficCommand,
  demoTrainingSetCommand,
  demoModelCommand,
  profileBuildCommand,
  statusCommand,
  tokenHashCommand,
  weightsGetCommand,
  weightsSetCommand,
  mirrorsSetCommand,
  overridesResetCommand,
  auditCommand,
  rolloutCommand
]

/** Words that only group commands, and what `headliner --help` says of each. */
const GROUPS: Record<string, string> = {
  config: 'config files',
  profile: 'drift reference profiles',
  token: 'admin API tokens',
  weights: 'serving weights of a running gateway',
  mirrors: 'shadow copy percentages of a running gateway',
  overrides: 'runtime overrides of a running gateway',
  rollout: 'phased rollouts'
}

const ENV_HELP = `
Environment:
  HEADLINER_LOG_LEVEL         log level of serve and demo (default info)
  HEADLINER_ADMIN_TOKEN       a write token named "admin" for the admin API
  HEADLINER_ADMIN_TOKEN_FILE  a file holding that token (for example a Kubernetes Secret)
  HEADLINER_GATEWAY           admin URL for the client commands (default http://127.0.0.1:9901)
  OTEL_EXPORTER_OTLP_ENDPOINT turns tracing on (other OTEL_* variables as the OpenTelemetry SDK reads them)

Exit codes: 0 ok, 1 the command failed or was refused, 2 usage error.`

/** The commander tree for a table of commands; `ran` receives each run's result. */
export function buildProgram (table: readonly CommandDef[], ctx: CliContext, ran: (result: Promise<CommandResult>) => void): Command {
  const program = new Command('headliner')
    .description('Traffic-management and observability gateway for ML model serving.')
    .version(ctx.version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'print this help')
    // `-V, --version` only before a command: `demo-model --version v1` names the model's version.
    .enablePositionalOptions()
    .helpCommand('help [command...]', 'print the help of a command')
    .addHelpText('after', ENV_HELP)
    .configureOutput({ writeOut: (s) => { ctx.stdout.write(s) }, writeErr: (s) => { ctx.err(s.replace(/\n$/, '')) } })
    .exitOverride()
  const byName = new Map<string, Command>([['', program]])
  for (const def of table) {
    const parentName = def.name.slice(0, -1).join(' ')
    const parent = byName.get(parentName) ?? addGroup(program, byName, def.name.slice(0, -1))
    const cmd = byName.get(def.name.join(' ')) ?? parent.command(def.name.at(-1)!)
    cmd.description(def.summary).allowExcessArguments(false)
    def.define?.(cmd)
    cmd.action(function (this: Command) {
      // A variadic last argument (`weights set MODEL v1=80 v2=20`) keeps all its words.
      const variadic = this.registeredArguments.at(-1)?.variadic === true
      ran(def.run(this.opts(), variadic ? [...this.args] : this.args.slice(0, this.registeredArguments.length), ctx))
    })
    byName.set(def.name.join(' '), cmd)
  }
  return program
}

/** A word that only groups commands (`config`): its own call prints its help as a usage error. */
function addGroup (program: Command, byName: Map<string, Command>, words: readonly string[]): Command {
  let parent = program
  for (let i = 0; i < words.length; i++) {
    const name = words.slice(0, i + 1).join(' ')
    parent = byName.get(name) ?? parent.command(words[i]!).description(GROUPS[name] ?? '')
    byName.set(name, parent)
  }
  return parent
}

/**
 * Runs one command line (argv without `node` and the script) and resolves with its exit code, or
 * `running` for a server that stays up until a signal. Never throws: errors are printed as one line.
 */
export async function runCli (argv: readonly string[], ctx: CliContext, table: readonly CommandDef[] = COMMANDS): Promise<CommandResult> {
  let result: Promise<CommandResult> | undefined
  const program = buildProgram(table, ctx, (r) => { result = r })
  try {
    await program.parseAsync([...argv], { from: 'user' })
    if (result === undefined) {
      program.outputHelp()
      return EXIT.ok
    }
    return await result
  } catch (err) {
    // --help and --version end here with exit code 0; commander's usage errors were printed already.
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage
    if (err instanceof UsageError) {
      ctx.err(`error: ${err.message}`)
      return EXIT.usage
    }
    ctx.err(`error: ${err instanceof Error ? err.message : String(err)}`)
    return EXIT.failed
  }
}
