/** `headliner audit [--model M] [--limit N]`: who changed what and why, newest first. */
import { command } from '../command.js'
import { integer } from '../options.js'
import { releaseOptions, withClient, type ReleaseFlags } from '../release-client.js'
import { table } from '../table.js'
import type { AuditEntry, ModelState } from '../../state/index.js'

interface Flags extends ReleaseFlags { model?: string; limit: number }

/** `weights v1=80,v2=20; mirrors v3=25` of a model's stored overrides (rollout records are left out). */
function brief (s: ModelState | null): string {
  if (s === null) return '(file)'
  const part = (name: string, r: Record<string, number> | undefined) => (r === undefined ? [] : [`${name} ${Object.entries(r).map(([v, n]) => `${v}=${n}`).join(',')}`])
  return [...part('weights', s.weights), ...part('mirrors', s.mirrors)].join('; ') || '(file)'
}

export const auditCommand = command<Flags>({
  name: ['audit'],
  summary: 'print the audit trail of runtime changes, newest first',
  define: (cmd) => releaseOptions(cmd)
    .option('--model <model>', 'only this model')
    .option('--limit <n>', 'at most this many entries', integer(1, 10_000), 20),
  run: async (o, _args, ctx) => withClient(o, ctx, async (client) => {
    const q = new URLSearchParams({ limit: String(o.limit), ...(o.model === undefined ? {} : { model: o.model }) })
    const { entries } = await client.call<{ entries: AuditEntry[] }>('GET', `/admin/audit?${q.toString()}`)
    if (o.json) return ctx.out(JSON.stringify(entries, null, 2))
    ctx.out(table(['at', 'rev', 'actor', 'action', 'model', 'before', 'after', 'reason'], entries.map((e) => [
      e.at, e.revision, e.actor, e.action, e.model, brief(e.before), brief(e.after), e.reason === '' ? undefined : e.reason
    ])))
  })
})
