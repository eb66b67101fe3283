/**
 * `headliner status [--model m] [--gateway URL] [--json] [--token T]`: asks the admin port's
 * GET /status and prints the verdict per model with its reasons. Exits by verdict (0 healthy,
 * 1 degraded, 2 failing, 3 insufficient data) so scripts and probes can branch on it; 4 when no
 * answer could be had (unreachable, timed out, refused the token, not a status report).
 */
import { parseArgs } from 'node:util'
import { request } from 'undici'
import type { StatusReport } from '../status/report.js'
import { statusText } from '../status/text.js'
import { EXIT_CODES, worstVerdict } from '../status/verdict.js'

/** Exit code when no status could be read: apart from the verdicts so a probe never reads it as one. */
export const NO_ANSWER_EXIT = 4
export const DEFAULT_GATEWAY = 'http://127.0.0.1:9901'
/** Bound on the whole exchange: on-call should get an answer or an error, never a hang. */
export const DEFAULT_TIMEOUT_MS = 5000

export interface StatusOptions {
  /** Base URL of the admin port. Default http://127.0.0.1:9901. */
  gateway?: string
  /** Only this model (its verdict decides the exit code). */
  model?: string
  /** Print the JSON instead of the table. */
  json?: boolean
  /** Admin bearer token; HEADLINER_ADMIN_TOKEN when absent. */
  token?: string
  timeoutMs?: number
}

export interface StatusIo {
  out: (line: string) => void
  err: (line: string) => void
  env: NodeJS.ProcessEnv
}

/** The options from `headliner status ...` argv (after the word `status`); throws TypeError on unknown flags. */
export function parseStatusArgs (argv: string[]): StatusOptions {
  const { values } = parseArgs({
    args: argv,
    options: { model: { type: 'string' }, gateway: { type: 'string' }, json: { type: 'boolean' }, token: { type: 'string' }, timeout: { type: 'string' } },
    strict: true,
    allowPositionals: false
  })
  const timeoutMs = values.timeout === undefined ? undefined : Number(values.timeout)
  if (timeoutMs !== undefined && !(timeoutMs > 0)) throw new TypeError(`--timeout must be a positive number of milliseconds, got "${values.timeout}"`)
  return { gateway: values.gateway, model: values.model, json: values.json, token: values.token, timeoutMs }
}

/** Runs the command; resolves with the exit code. */
export async function runStatus (opts: StatusOptions, io: StatusIo): Promise<number> {
  const base = (opts.gateway ?? DEFAULT_GATEWAY).replace(/\/+$/, '')
  const url = `${base}/status`
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const token = opts.token ?? io.env.HEADLINER_ADMIN_TOKEN
  let report: StatusReport
  try {
    const res = await request(url, {
      headers: { accept: 'application/json', ...(token !== undefined && token !== '' ? { authorization: `Bearer ${token}` } : {}) },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs)
    })
    const text = await res.body.text()
    if (res.statusCode !== 200) {
      const hint = res.statusCode === 401 ? ' (pass --token or set HEADLINER_ADMIN_TOKEN)' : ''
      io.err(`headliner status: ${url} answered ${res.statusCode}: ${errorMessage(text)}${hint}`)
      return NO_ANSWER_EXIT
    }
    report = parseReport(text)
  } catch (err) {
    const e = err as Error
    const what = e.name === 'TimeoutError' || e.name === 'AbortError' || /timeout/i.test(e.name) ? `no answer within ${timeoutMs} ms` : e.message
    io.err(`headliner status: cannot read ${url}: ${what}`)
    return NO_ANSWER_EXIT
  }
  if (opts.model !== undefined) {
    const models = report.models.filter((m) => m.model === opts.model)
    if (models.length === 0) {
      io.err(`headliner status: no model "${opts.model}" at ${url} (models: ${report.models.map((m) => m.model).join(', ') || 'none'})`)
      return NO_ANSWER_EXIT
    }
    const verdict = worstVerdict(models.map((m) => m.verdict))
    report = { ...report, models, verdict, exitCode: EXIT_CODES[verdict] }
  }
  if (opts.json === true) io.out(JSON.stringify(report, null, 2))
  else for (const line of statusText(report)) io.out(line)
  return EXIT_CODES[report.verdict]
}

/** The report, checked just enough that a wrong URL (another server's JSON) is an error, not a crash. */
function parseReport (text: string): StatusReport {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new Error(`the answer is not JSON: ${text.slice(0, 120)}`)
  }
  const r = body as Partial<StatusReport>
  if (r === null || typeof r !== 'object' || !Array.isArray(r.models) || typeof r.verdict !== 'string' || !(r.verdict in EXIT_CODES)) {
    throw new Error(`the answer is not a status report (no "verdict" and "models"): ${text.slice(0, 120)}`)
  }
  return r as StatusReport
}

function errorMessage (text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown; code?: unknown }
    if (typeof body.error === 'string') return typeof body.code === 'string' ? `${body.error} (${body.code})` : body.error
  } catch { /* not JSON: show the start of it */ }
  return text.slice(0, 200)
}
