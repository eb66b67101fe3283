/**
 * What the release-control commands (weights, mirrors, overrides, audit) share: `v1=80` pairs, the
 * table of a model's versions, and one way to turn an admin call's failure into exit code 1.
 */
import type { Command } from 'commander'
import { EXIT, UsageError, type CliContext } from './command.js'
import { AdminCallError, adminClient, clientOptions, type AdminClient, type ClientFlags } from './admin-client.js'
import { table } from './table.js'

export interface ReleaseFlags extends ClientFlags { json: boolean }

/** The client options plus `--json`. */
export function releaseOptions (cmd: Command): Command {
  return clientOptions(cmd).option('--json', 'print the JSON answer instead of a table', false)
}

/**
 * `['v1=80', 'v2=20']` as `{v1: 80, v2: 20}`; a usage error for anything else. The numbers are
 * checked by the gateway (the config file's rule), so that both give the same message.
 * @example versionValues(['v1=80', 'v2=20'], 'weight') // { v1: 80, v2: 20 }
 */
export function versionValues (args: readonly string[], what: string): Record<string, number> {
  if (args.length === 0) throw new UsageError(`give at least one VERSION=${what.toUpperCase()} pair`)
  const out: Record<string, number> = {}
  for (const a of args) {
    const m = /^([^=\s]+)=(-?\d+(?:\.\d+)?)$/.exec(a)
    if (m === null) throw new UsageError(`"${a}" is not VERSION=${what.toUpperCase()} (for example v1=80)`)
    if (out[m[1]!] !== undefined) throw new UsageError(`version ${m[1]} is given twice`)
    out[m[1]!] = Number(m[2])
  }
  return out
}

interface ModelView {
  name: string
  file: { weights: Record<string, number>; mirrors: Record<string, number> }
  overrides: { weights: Record<string, number>; mirrors: Record<string, number> }
  effective: { weights: Record<string, number>; mirrors: Record<string, number> }
}

/** One row per version: the file's value, the override (or -), what routes now. */
export function versionTable (m: ModelView): string {
  const names = [...new Set([...Object.keys(m.file.weights), ...Object.keys(m.file.mirrors), ...Object.keys(m.effective.weights), ...Object.keys(m.effective.mirrors)])]
  return table(['version', 'file weight', 'override', 'weight', 'mirror %'], names.map((v) => [
    v, m.file.weights[v] ?? 0, m.overrides.weights[v] ?? m.overrides.mirrors[v], m.effective.weights[v] ?? 0, m.effective.mirrors[v]
  ]))
}

/** A model as GET /admin/models shows it; exit 1 naming the models there when it is not one. */
export async function fetchModel (client: AdminClient, model: string): Promise<ModelView> {
  const { models } = await client.call<{ models: ModelView[] }>('GET', '/admin/models')
  const m = models.find((x) => x.name === model)
  if (m === undefined) throw new AdminCallError(`no model "${model}" at ${client.baseUrl} (models: ${models.map((x) => x.name).join(', ') || 'none'})`)
  return m
}

/** Runs `body` with a client; an admin refusal or failure is one line and exit 1. */
export async function withClient (flags: ReleaseFlags, ctx: CliContext, body: (client: AdminClient) => Promise<void>): Promise<number> {
  try {
    await body(adminClient(flags, ctx.env))
    return EXIT.ok
  } catch (err) {
    if (!(err instanceof AdminCallError)) throw err
    ctx.err(`error: ${err.message}`)
    return EXIT.failed
  }
}
