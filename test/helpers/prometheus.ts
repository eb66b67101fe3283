/**
 * Test harness for a real Prometheus server (the Debian package's /usr/bin/prometheus): start it on a
 * free loopback port with a generated config and a throw-away TSDB, query its HTTP API, and read the
 * text exposition format of a /metrics page.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'

/** Where the Debian package installs the server; tests skip (saying so) when it is not there. */
export const PROMETHEUS_BIN = '/usr/bin/prometheus'

/** The reason a Prometheus test cannot run here, or undefined when it can. */
export function prometheusMissing (): string | undefined {
  return existsSync(PROMETHEUS_BIN) ? undefined : `${PROMETHEUS_BIN} not found (Debian package "prometheus")`
}

/** One series of an instant vector: its labels (with __name__ when it has one) and its value. */
export interface Sample { labels: Record<string, string>; value: number }

/** A running Prometheus: base URL, an instant query, its log so far, and a stop that removes the TSDB. */
export interface RunningPrometheus {
  url: string
  query (expr: string): Promise<Sample[]>
  log (): string
  close (): Promise<void>
}

/** A TCP port that was free a moment ago (bound on 127.0.0.1 port 0, then closed). */
export async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', resolve) })
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('freePort: no TCP address')
  return address.port
}

/** Polls `probe` every `intervalMs` until it returns a value other than undefined; throws after `timeoutMs`. */
export async function waitFor<T> (what: string, probe: () => Promise<T | undefined>, opts: { timeoutMs: number; intervalMs?: number }): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${what}${last === undefined ? '' : `: ${String(last)}`}`)
    await new Promise((resolve) => setTimeout(resolve, opts.intervalMs ?? 200))
  }
}

/** Instant query through the HTTP API (`/api/v1/query`); values are parsed from Go's shortest round-trip text. */
export async function queryPrometheus (url: string, expr: string): Promise<Sample[]> {
  const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`)
  const body = await res.json() as { status: string; error?: string; data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] } }
  if (body.status !== 'success' || body.data === undefined) throw new Error(`query ${expr}: ${body.error ?? res.status}`)
  if (body.data.resultType !== 'vector') throw new Error(`query ${expr}: expected a vector, got ${body.data.resultType}`)
  return body.data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }))
}

/**
 * Starts Prometheus scraping `targets` (host:port, path /metrics) as one job every `intervalSeconds`,
 * evaluating `ruleFiles` at the same interval. Resolves once /-/ready answers 200.
 */
export async function startPrometheus (opts: { targets: string[]; ruleFiles: string[]; intervalSeconds?: number; timeoutMs?: number }): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'headliner-prometheus-'))
  const interval = `${opts.intervalSeconds ?? 1}s`
  const config = {
    global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval },
    rule_files: opts.ruleFiles,
    scrape_configs: [{ job_name: 'headliner', metrics_path: '/metrics', static_configs: [{ targets: opts.targets }] }]
  }
  writeFileSync(join(dir, 'prometheus.yml'), stringify(config))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const child: ChildProcess = spawn(PROMETHEUS_BIN, [
    `--web.listen-address=127.0.0.1:${port}`,
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`
  ], { stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  child.stderr?.on('data', (c: Buffer) => { log = (log + c.toString()).slice(-20_000) })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  let gone = false
  void exited.then(() => { gone = true })
  const close = async (): Promise<void> => {
    if (!gone) child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    await waitFor('Prometheus to be ready', async () => {
      if (gone) throw new Error(`prometheus exited:\n${log}`)
      const res = await fetch(`${url}/-/ready`)
      return res.status === 200 ? true : undefined
    }, { timeoutMs: opts.timeoutMs ?? 15_000 })
  } catch (err) {
    await close()
    throw err
  }
  return { url, query: (expr) => queryPrometheus(url, expr), log: () => log, close }
}

/**
 * Samples of a /metrics page in the text exposition format (comments skipped). Label values may hold
 * escaped quotes; values are parsed with Number (NaN, +Inf, -Inf included). Timestamps are ignored.
 */
export function parseExposition (text: string): Sample[] {
  const samples: Sample[] = []
  const line = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/
  const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g
  for (const raw of text.split('\n')) {
    if (raw === '' || raw.startsWith('#')) continue
    const m = line.exec(raw)
    if (m === null) throw new Error(`not an exposition line: ${raw}`)
    const labels: Record<string, string> = { __name__: m[1]! }
    for (const l of (m[2] ?? '').matchAll(label)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c))
    const v = m[3]!
    samples.push({ labels, value: v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v) })
  }
  return samples
}

/** The samples whose labels include every given one (`__name__` for the metric name). */
export function select (samples: readonly Sample[], match: Record<string, string>): Sample[] {
  return samples.filter((s) => Object.entries(match).every(([k, v]) => s.labels[k] === v))
}
