/**
 * `headliner rollout start|status|pause|resume|abort|promote|explain <model> [flags]`: the rollout
 * commands, each one call to the admin port (/admin/models/{model}/rollout...). Exits 0 when the
 * gateway did it, 1 when it refused (the message says why), 2 on bad arguments, 4 when no answer
 * could be had (unreachable, timed out).
 */
import { parseArgs } from 'node:util'
import { request } from 'undici'

export const DEFAULT_GATEWAY = 'http://127.0.0.1:9901'
export const DEFAULT_TIMEOUT_MS = 5000
export const EXIT = Object.freeze({ ok: 0, refused: 1, usage: 2, noAnswer: 4 })

const SUBCOMMANDS = ['start', 'status', 'pause', 'resume', 'abort', 'promote', 'explain'] as const
export type Subcommand = typeof SUBCOMMANDS[number]

export interface RolloutCliOptions {
  command: Subcommand
  model: string
  gateway: string
  token?: string
  timeoutMs: number
  json: boolean
  all: boolean
  reason?: string
  /** The start request body (only for `start`). */
  body?: Record<string, unknown>
}

export interface RolloutIo {
  out: (line: string) => void
  err: (line: string) => void
  env: NodeJS.ProcessEnv
}

export const USAGE = `usage: headliner rollout <${SUBCOMMANDS.join('|')}> <model> [--gateway URL] [--token T] [--timeout MS]
  start:   --to VERSION [--baseline VERSION] [--steps 5,25,50,100] [--step-time 60s] [--max-step-time 10m]
           [--on-max-step-time pause|rollback] [--approval manual|webhook] [--webhook URL]... [--approval-webhook URL]
           [--compare 10] (percent of the baseline's requests copied to the candidate for the agreement gate; 0: off)
  status:  [--json]     explain: [--all]     pause|resume|abort|promote: [--reason TEXT]`

/**
 * A duration in milliseconds from `500ms`, `60s`, `10m`, `1h` or a bare number of milliseconds.
 * @example parseDuration('90s') // 90000
 */
export function parseDuration (text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim())
  if (m === null) throw new TypeError(`${flag} must be a duration like 500ms, 60s, 10m or 1h (got "${text}")`)
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 'ms') as 'ms']
  return Number(m[1]) * unit
}

/** The options from argv after the word `rollout`; throws TypeError on bad arguments. */
export function parseRolloutArgs (argv: string[]): RolloutCliOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      gateway: { type: 'string' }, token: { type: 'string' }, timeout: { type: 'string' }, json: { type: 'boolean' }, all: { type: 'boolean' },
      reason: { type: 'string' }, to: { type: 'string' }, baseline: { type: 'string' }, steps: { type: 'string' },
      'step-time': { type: 'string' }, 'max-step-time': { type: 'string' }, 'on-max-step-time': { type: 'string' },
      approval: { type: 'string' }, compare: { type: 'string' }, webhook: { type: 'string', multiple: true }, 'approval-webhook': { type: 'string' }
    },
    strict: true,
    allowPositionals: true
  })
  const [command, model, ...rest] = positionals
  if (!SUBCOMMANDS.includes(command as Subcommand)) throw new TypeError(`unknown rollout command "${command ?? ''}"; one of ${SUBCOMMANDS.join(', ')}`)
  if (model === undefined || rest.length > 0) throw new TypeError(`name one model: headliner rollout ${command} <model>`)
  const timeoutMs = values.timeout === undefined ? DEFAULT_TIMEOUT_MS : Number(values.timeout)
  if (!(timeoutMs > 0)) throw new TypeError(`--timeout must be a positive number of milliseconds, got "${values.timeout}"`)
  const opts: RolloutCliOptions = {
    command: command as Subcommand, model, gateway: (values.gateway ?? DEFAULT_GATEWAY).replace(/\/+$/, ''), timeoutMs,
    json: values.json ?? false, all: values.all ?? false,
    ...(values.token === undefined ? {} : { token: values.token }), ...(values.reason === undefined ? {} : { reason: values.reason })
  }
  if (opts.command !== 'start') return opts
  if (values.to === undefined) throw new TypeError('rollout start needs --to VERSION (the candidate)')
  const steps = values.steps?.split(',').map((s) => {
    const n = Number(s.trim())
    if (s.trim() === '' || !Number.isFinite(n)) throw new TypeError(`--steps must be numbers separated by commas, like 5,25,50,100 (got "${values.steps}")`)
    return n
  })
  const body: Record<string, unknown> = { to: values.to }
  if (values.baseline !== undefined) body.baseline = values.baseline
  if (steps !== undefined) body.steps = steps
  if (values['step-time'] !== undefined) body.stepTimeMs = parseDuration(values['step-time'], '--step-time')
  if (values['max-step-time'] !== undefined) body.maxStepTimeMs = parseDuration(values['max-step-time'], '--max-step-time')
  if (values['on-max-step-time'] !== undefined) body.onMaxStepTime = values['on-max-step-time']
  if (values.approval !== undefined) body.approval = values.approval
  if (values.compare !== undefined) {
    const compare = Number(values.compare)
    if (values.compare.trim() === '' || !Number.isFinite(compare)) throw new TypeError(`--compare must be a percent, like 10 (got "${values.compare}")`)
    body.compare = compare
  }
  if (values.webhook !== undefined) body.webhooks = values.webhook
  if (values['approval-webhook'] !== undefined) body.approvalWebhook = values['approval-webhook']
  if (values.reason !== undefined) body.reason = values.reason
  return { ...opts, body }
}

interface RolloutView { status: string, reason: string, spec: { candidate: string, baseline: string, steps: number[] }, stepIndex: number, awaitingApproval: boolean }

function summary (model: string, r: RolloutView | null): string {
  if (r === null) return `${model}: no rollout`
  const at = r.status === 'rolled_back' || r.status === 'aborted' ? 'back to the pre-rollout weights' : `step ${r.stepIndex + 1} of ${r.spec.steps.length} (${r.spec.candidate} at ${r.spec.steps[r.stepIndex]} %)`
  return `${model}: rollout of ${r.spec.candidate} against ${r.spec.baseline}: ${r.status}, ${at}${r.awaitingApproval ? ', waiting for approval (headliner rollout promote)' : ''}\n  ${r.reason}`
}

/** Runs the command; resolves with the exit code. */
export async function runRollout (opts: RolloutCliOptions, io: RolloutIo): Promise<number> {
  const path = `/admin/models/${encodeURIComponent(opts.model)}/rollout`
  const [method, url, body] = opts.command === 'status' ? ['GET', path, undefined]
    : opts.command === 'explain' ? ['GET', `${path}/explain${opts.all ? '?all=1' : ''}`, undefined]
      : opts.command === 'start' ? ['POST', path, opts.body]
        : ['POST', `${path}/${opts.command}`, opts.reason === undefined ? {} : { reason: opts.reason }]
  const token = opts.token ?? io.env.HEADLINER_ADMIN_TOKEN
  let status: number
  let answer: Record<string, unknown>
  try {
    const res = await request(`${opts.gateway}${url}`, {
      method: method as 'GET' | 'POST',
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      headersTimeout: opts.timeoutMs, bodyTimeout: opts.timeoutMs, signal: AbortSignal.timeout(opts.timeoutMs)
    })
    status = res.statusCode
    const text = await res.body.text()
    try { answer = JSON.parse(text) as Record<string, unknown> } catch { answer = { error: text.slice(0, 200) } }
  } catch (err) {
    const e = err as Error
    const what = e.name === 'TimeoutError' || /timeout/i.test(e.name) ? `no answer within ${opts.timeoutMs} ms` : e.message
    io.err(`headliner rollout ${opts.command}: cannot reach ${opts.gateway}${url}: ${what}`)
    return EXIT.noAnswer
  }
  if (status < 200 || status >= 300) {
    const hint = status === 401 ? ' (pass --token or set HEADLINER_ADMIN_TOKEN)' : ''
    io.err(`headliner rollout ${opts.command}: ${status} ${String(answer.code ?? '')}: ${String(answer.error ?? '')}${hint}`)
    return EXIT.refused
  }
  if (opts.json) io.out(JSON.stringify(answer, null, 2))
  else if (opts.command === 'explain') io.out(String(answer.text))
  else io.out(summary(opts.model, answer.rollout as RolloutView | null))
  return EXIT.ok
}
