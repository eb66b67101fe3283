/**
 * Processes of a benchmark run: every party (upstream, proxy, load generator) is its own process,
 * pinned with `taskset -c` when the machine has it (DESIGN.md section 10: upstream and proxy share
 * core 0, the load generator gets core 1), so no party steals the event loop of another.
 *
 * A ProcessGroup owns the children of one run: it is created by run.js (not at module level) and
 * kills them all on success, failure, Ctrl-C or a watchdog timeout.
 */
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

/** True when `taskset` (util-linux) can run here. */
export function tasksetAvailable () {
  const r = spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' })
  return r.status === 0
}

/** Kernel clock ticks per second, the unit of utime/stime in /proc/<pid>/stat. */
export function clockTicks () {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })
  const n = Number(r.stdout?.trim())
  return Number.isFinite(n) && n > 0 ? n : 100
}

/** CPU time (user + system) a process has used, in clock ticks. */
export function readCpuTicks (pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The command name (field 2) may hold spaces; fields after the closing parenthesis are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return Number(fields[11]) + Number(fields[12]) // utime, stime (fields 14 and 15 of proc(5))
}

/** A field of /proc/<pid>/status in kB (VmHWM: peak resident set, VmRSS: current). */
export function readStatusKb (pid, field) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)
  if (m === null) throw new Error(`/proc/${pid}/status has no ${field} line`)
  return Number(m[1])
}

/** A TCP port that was free a moment ago (bound on 127.0.0.1 port 0, then closed). */
export async function freePort () {
  const server = createServer()
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

/**
 * Poll `check` (async, returns a truthy value when ready) every `intervalMs` until it succeeds,
 * the party exits, or `timeoutMs` passes.
 */
export async function waitFor (check, { what, timeoutMs = 15_000, intervalMs = 50, party }) {
  const deadline = Date.now() + timeoutMs
  let last = 'not tried'
  while (Date.now() < deadline) {
    if (party?.exitStatus !== undefined) {
      throw new Error(`${what}: ${party.name} exited (${party.exitStatus}) before it was ready; stderr: ${party.stderrTail() || '(empty)'}`)
    }
    try {
      const value = await check()
      if (value) return value
      last = 'check returned false'
    } catch (err) {
      last = err.message
    }
    await sleep(intervalMs)
  }
  throw new Error(`${what}: not ready after ${timeoutMs} ms (last: ${last})${party ? `; stderr: ${party.stderrTail() || '(empty)'}` : ''}`)
}

const STDERR_KEEP = 4096

/** The children of one benchmark run. */
export class ProcessGroup {
  /** @param {{ taskset: boolean }} opts */
  constructor ({ taskset }) {
    this.taskset = taskset
    this.parties = new Set()
  }

  /**
   * Start a process. `core` pins it (ignored without taskset). stdout is 'ignore' (/dev/null),
   * or 'pipe' to collect it (the load generator's JSON result); stderr is kept (last 4 kB) for errors.
   * @returns {Party}
   */
  spawn ({ name, command, args, core, env, stdout = 'ignore' }) {
    const pinned = this.taskset && core !== undefined
    const child = spawn(pinned ? 'taskset' : command, pinned ? ['-c', String(core), command, ...args] : args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', stdout, 'pipe']
    })
    const party = new Party(name, child, stdout === 'pipe')
    party.core = pinned ? core : undefined
    this.parties.add(party)
    party.exited.then(() => this.parties.delete(party))
    return party
  }

  /** Stop every child: SIGTERM, then SIGKILL after `graceMs`. */
  async stopAll (graceMs = 5000) {
    await Promise.all([...this.parties].map((p) => p.stop(graceMs)))
  }

  /** Last resort on process exit: synchronous SIGKILL of whatever is still running. */
  killAllSync () {
    for (const p of this.parties) p.kill('SIGKILL')
  }
}

/** One child process with its exit promise and the tail of its stderr. */
export class Party {
  constructor (name, child, collectStdout) {
    this.name = name
    this.child = child
    this.pid = child.pid
    this.exitStatus = undefined
    this.stdout = ''
    this.stderr = ''
    if (collectStdout) child.stdout.on('data', (c) => { this.stdout += c })
    child.stderr.on('data', (c) => { this.stderr = (this.stderr + c).slice(-STDERR_KEEP) })
    this.exited = new Promise((resolve) => {
      child.once('error', (err) => { this.exitStatus = `spawn error: ${err.message}`; resolve(this.exitStatus) })
      child.once('exit', (code, signal) => { this.exitStatus = signal ?? `code ${code}`; resolve(this.exitStatus) })
    })
  }

  stderrTail () {
    return this.stderr.trim().split('\n').slice(-10).join('\n')
  }

  kill (signal) {
    if (this.exitStatus === undefined) {
      try { this.child.kill(signal) } catch { /* already gone */ }
    }
  }

  /** SIGTERM (the gateway drains and, under --cpu-prof, writes its profile), SIGKILL past graceMs. */
  async stop (graceMs = 5000) {
    if (this.exitStatus !== undefined) return this.exitStatus
    this.kill('SIGTERM')
    const timer = setTimeout(() => this.kill('SIGKILL'), graceMs)
    const status = await this.exited
    clearTimeout(timer)
    return status
  }

  /** Wait for a normal exit within `timeoutMs`; past it the process is killed and this throws. */
  async finish (timeoutMs) {
    let timedOut = false
    const timer = setTimeout(() => { timedOut = true; this.kill('SIGKILL') }, timeoutMs)
    const status = await this.exited
    clearTimeout(timer)
    if (timedOut) throw new Error(`${this.name} did not finish within ${timeoutMs} ms (killed)`)
    if (status !== 'code 0') throw new Error(`${this.name} failed (${status}); stderr: ${this.stderrTail() || '(empty)'}`)
    return status
  }
}

/**
 * Kill the group on Ctrl-C, SIGTERM, an uncaught error, or when `watchdogMs` passes (a hung party
 * must not hold the machine), then run `cleanupSync` (e.g. remove the temp dir).
 * Returns a function that removes the handlers and the watchdog.
 */
export function guardGroup (group, watchdogMs, cleanupSync = () => {}) {
  const onSignal = (signal) => {
    console.error(`\nbench: ${signal}, stopping all processes`)
    process.exit(130) // the exit handler kills the children
  }
  const onExit = () => {
    group.killAllSync()
    cleanupSync()
  }
  const watchdog = setTimeout(() => {
    console.error(`bench: watchdog: the run took longer than ${Math.round(watchdogMs / 1000)} s, stopping all processes`)
    process.exit(1)
  }, watchdogMs)
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  process.on('exit', onExit)
  return () => {
    clearTimeout(watchdog)
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    process.off('exit', onExit)
  }
}

/**
 * Busy time of each CPU (all processes, kernel included) in clock ticks, from /proc/stat: with the
 * parties' own CPU time it shows how much of a core something else used during a run.
 */
export function readCoreBusyTicks () {
  return readCoreTicks().map((c) => c.busy)
}

/**
 * Per CPU, from /proc/stat: `busy` (all but idle and iowait, steal included) and `steal` (time the
 * hypervisor gave this vCPU's slot to another guest) in clock ticks.
 */
export function readCoreTicks () {
  const out = []
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const m = /^cpu(\d+) (.*)$/.exec(line)
    if (m === null) continue
    // user nice system idle iowait irq softirq steal ...: busy = all but idle and iowait
    const f = m[2].trim().split(/\s+/).map(Number)
    out[Number(m[1])] = { busy: f.reduce((a, b) => a + b, 0) - f[3] - f[4], steal: f[7] ?? 0 }
  }
  return out
}

/**
 * Wait until the machine is quiet: every core under `maxBusyPct` over a 1 s sample, for at most
 * `maxWaitMs`. On a shared machine another job on core 0 or 1 would be measured as ours.
 * @returns the busiest core's % in the last sample (and whether it was quiet)
 */
export async function waitQuiet ({ maxBusyPct = 15, maxWaitMs = 60_000, ticksPerSec }) {
  const deadline = Date.now() + maxWaitMs
  for (;;) {
    const before = readCoreBusyTicks()
    await sleep(1000)
    const after = readCoreBusyTicks()
    const busiest = Math.max(...after.map((t, i) => (t - before[i]) / ticksPerSec * 100))
    if (busiest <= maxBusyPct) return { quiet: true, busiestPct: Math.round(busiest) }
    if (Date.now() >= deadline) return { quiet: false, busiestPct: Math.round(busiest) }
  }
}
