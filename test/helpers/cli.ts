/** The real CLI (`node bin/headliner.js`, compiled dist/) as a child process, and temp configs for it. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'

export const ROOT = join(import.meta.dirname, '..', '..')

export interface Spawned { child: ChildProcess; exited: Promise<number | null>; out: () => string }

/** A finished run: its exit code (null when killed at the time limit) and what it wrote. */
export interface Run { code: number | null; stdout: string; stderr: string }

/** `env` is added to this process's environment; `input` is all of stdin (empty by default, so nothing waits on it). */
export interface RunOptions { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number }

/** Throws, saying what to do, when the compiled dist/ the bin runs is not there. */
export function needDist (): void {
  if (!existsSync(join(ROOT, 'dist', 'main.js'))) throw new Error('dist/main.js is missing: run `npm run build` (npm test does)')
}

/** Runs `node bin/headliner.js ...args` to its end, killed after `timeoutMs` (30 s). */
export async function runHeadliner (args: string[], opts: RunOptions = {}): Promise<Run> {
  needDist()
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'headliner.js'), ...args], { cwd: ROOT, env: { ...process.env, ...opts.env } })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString() })
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
  child.stdin.end(opts.input ?? '')
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000)
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  clearTimeout(timer)
  return { code, stdout, stderr }
}

/**
 * The same, blocking this process: only for commands that need nothing this process serves
 * (a gateway or upstream in the test would not answer while it waits).
 */
export function runHeadlinerSync (args: string[], opts: RunOptions = {}): Run {
  needDist()
  const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'headliner.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: opts.timeoutMs ?? 30_000, input: opts.input ?? '', env: { ...process.env, ...opts.env } })
  if (run.error !== undefined) throw run.error
  return { code: run.status, stdout: run.stdout, stderr: run.stderr }
}

/**
 * Spawns `node bin/headliner.js ...args`; resolves with `ready(stdout so far)`'s first value and the
 * process. Rejects (killing the child) if it exits first or nothing is ready within `timeoutMs`.
 * `out()`: stdout and stderr, the last 20 000 characters.
 */
export async function spawnHeadliner<T extends object> (args: string[], ready: (stdout: string) => T | undefined, env: NodeJS.ProcessEnv = {}, timeoutMs = 20_000): Promise<T & Spawned> {
  needDist()
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'headliner.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  let out = ''
  let stdout = ''
  const keep = (c: Buffer): void => { out = (out + c.toString()).slice(-20_000) }
  child.stderr.on('data', keep)
  return await new Promise<T & Spawned>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`headliner ${args[0]}: not ready after ${timeoutMs} ms:\n${out}`)) }, timeoutMs)
    const onData = (c: Buffer): void => {
      keep(c)
      stdout += c.toString()
      const value = ready(stdout)
      if (value === undefined) return
      clearTimeout(timer)
      child.stdout.off('data', onData)
      child.stdout.on('data', keep)
      resolve(Object.assign(value, { child, exited, out: () => out }))
    }
    child.stdout.on('data', onData)
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`headliner ${args[0]} exited early (code ${code}):\n${out}`)) })
  })
}

/** The "headliner listening" log line of `serve` (src/main.ts). */
export interface Listening { data: string; admin: string; tracing: boolean }

/** Parses complete pino lines of stdout for the listening line; for spawnHeadliner's `ready`. */
export function listening (stdout: string): Listening | undefined {
  for (const line of stdout.split('\n').slice(0, -1)) {
    let e: { msg?: string; data?: string; admin?: string; tracing?: boolean }
    try { e = JSON.parse(line) as typeof e } catch { continue } // not a log line
    if (e.msg === 'headliner listening' && e.data !== undefined && e.admin !== undefined) return { data: e.data, admin: e.admin, tracing: e.tracing === true }
  }
  return undefined
}

/** A config file's text: server and admin on 127.0.0.1 port 0, and `models` as written in YAML. */
export function configYaml (models: Record<string, unknown>): string {
  return stringify({ schemaVersion: 1, server: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 }, models })
}

/** Writes configYaml(models) to config.yaml in a new temp dir `<prefix>XXXXXX`; returns its path. */
export function writeTempConfig (prefix: string, models: Record<string, unknown>): string {
  const file = join(mkdtempSync(join(tmpdir(), prefix)), 'config.yaml')
  writeFileSync(file, configYaml(models))
  return file
}
