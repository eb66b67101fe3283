/**
 * The benchmark suite's machinery, end to end on one group (`--quick`: 1 round of 3 s): real model
 * servers, the bare proxy and the gateway as pinned processes, autocannon on the other core. No timing
 * is asserted (the machine is shared); the result file must be well formed, with its baselines, ratios,
 * noise figures and goals. The discard rule and the README generation are checked as pure functions.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { noiseReasons } from '../../bench/lib/noise.js'
import { BEGIN, END, updateReadme } from '../../bench/lib/suite-report.js'
import { ROOT } from '../helpers/cli.js'

const dirs: string[] = []
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }) })

function tempDir (): string {
  const dir = mkdtempSync(join(tmpdir(), 'headliner-bench-test-'))
  dirs.push(dir)
  return dir
}

/** `node bench/run.js ...args`, bounded; resolves with the exit code and the output. */
function runBench (args: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bench/run.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (c: Buffer) => { out += c.toString() })
    child.stderr.on('data', (c: Buffer) => { out += c.toString() })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('exit', (code) => { clearTimeout(timer); resolve({ code, out }) })
  })
}

interface Row { target: string; rps: number; p50Ms: number; p99Ms: number; p999Ms: number; proxyCpuUsPerReq: number | null; proxyPeakRssMb: number | null; xDirect: number; xBare: number; errors: number; non2xx: number; discardedRounds: number; stealPct: number; otherProcsPct: number }

describe('npm run bench --quick', () => {
  it('runs one group end to end with both baselines and writes a well-formed result file, leaving the README alone', async () => {
    expect(existsSync(join(ROOT, 'dist/main.js')), 'run `npm run build` first').toBe(true)
    const dir = tempDir()
    const readme = readFileSync(join(ROOT, 'bench/README.md'), 'utf8')
    const { code, out } = await runBench(['--quick', '--only', 'sticky', '--results-dir', dir, '--timeout', '280'], 300_000)
    expect(code, out).toBe(0)
    const files = readdirSync(dir).filter((f) => /^suite-.*\.json$/.test(f))
    expect(files, out).toHaveLength(1)
    const result = JSON.parse(readFileSync(join(dir, files[0]!), 'utf8')) as { scenario: string; opts: { rounds: number; duration: number }; rows: Row[]; goals: Array<{ goal: string; met: boolean | null }>; discardedRounds: number }
    expect(result.scenario).toBe('suite')
    expect(result.opts).toMatchObject({ rounds: 1, duration: 3 })
    expect(result.rows.map((r) => r.target)).toEqual(['direct', 'bare-proxy', 'gateway 90/10 sticky'])
    for (const row of result.rows) {
      expect(row.errors + row.non2xx, row.target).toBe(0)
      for (const key of ['rps', 'p50Ms', 'p99Ms', 'p999Ms'] as const) expect(row[key], `${row.target} ${key}`).toBeGreaterThan(0)
      expect(row.p999Ms).toBeGreaterThanOrEqual(row.p99Ms)
      expect(Number.isInteger(row.discardedRounds)).toBe(true)
      expect(typeof row.stealPct).toBe('number')
      expect(typeof row.otherProcsPct).toBe('number')
    }
    const [direct, bare, sticky] = result.rows as [Row, Row, Row]
    expect(direct.proxyCpuUsPerReq).toBeNull()
    expect(direct.xDirect).toBe(1)
    expect(bare.xBare).toBe(1)
    for (const proxied of [bare, sticky]) {
      expect(proxied.proxyCpuUsPerReq).toBeGreaterThan(0)
      expect(proxied.proxyPeakRssMb).toBeGreaterThan(0)
    }
    expect(sticky.xBare).toBeCloseTo(Math.round(sticky.rps / bare.rps * 100) / 100, 2)
    expect(result.discardedRounds).toBe(result.rows.reduce((a, r) => a + r.discardedRounds, 0))
    expect(result.goals.length).toBeGreaterThan(5)
    expect(out).toContain('| goal (issue 16) |')
    expect(readFileSync(join(ROOT, 'bench/README.md'), 'utf8')).toBe(readme)
  }, 320_000)

  it('refuses an unknown group, naming it and the known ones', async () => {
    const { code, out } = await runBench(['--quick', '--only', 'stiky', '--results-dir', tempDir()], 30_000)
    expect(code).toBe(1)
    expect(out).toMatch(/unknown group stiky; known: passthrough, sticky/)
  }, 40_000)
})

describe('discard rule', () => {
  it('marks a round noisy above either threshold, and only then', () => {
    expect(noiseReasons({ stealPct: 5, otherProcsPct: 15 })).toEqual([])
    expect(noiseReasons({ stealPct: 6, otherProcsPct: 0 })).toEqual(['steal 6 % > 5 %'])
    expect(noiseReasons({ stealPct: 0, otherProcsPct: 40 }, { maxStealPct: 5, maxOtherPct: 30 })).toEqual(['other processes 40 % > 30 %'])
  })
})

describe('README table', () => {
  const result = {
    date: '2026-12-01T12:00:00.000Z',
    machine: { cpus: 2, cpuModel: 'test cpu', node: 'v20', pinning: 'taskset' },
    opts: { connections: 32, duration: 5, warmup: 1, rounds: 3 },
    discardedRounds: 1,
    noisyRounds: 0,
    rows: [{ target: 'direct', rps: 1000, p50Ms: 1, p99Ms: 2, p999Ms: 3, proxyCpuUsPerReq: null, rounds: 3, range: { rps: [900, 1100] }, xDirect: 1, xBare: 2, xNginx: null, errors: 0, non2xx: 0, discardedRounds: 1, noisyRounds: 0, perRound: [{ stealPct: 1, otherProcsPct: 2 }] }],
    goals: [{ goal: 'a goal', value: 1.2, met: false }],
    notes: ['a note']
  }

  it('replaces only the text between the markers with the table of the result file', () => {
    const file = join(tempDir(), 'README.md')
    writeFileSync(file, `before\n${BEGIN}\nold table\n${END}\nafter\n`)
    updateReadme(file, result)
    const text = readFileSync(file, 'utf8')
    expect(text.startsWith(`before\n${BEGIN}\n`)).toBe(true)
    expect(text.endsWith(`${END}\nafter\n`)).toBe(true)
    expect(text).not.toContain('old table')
    expect(text).toContain('| direct | 1,000 (900-1,100) |')
    expect(text).toContain('| a goal | 1.2 | **not met** |')
    expect(text).toContain('1 round(s) discarded')
  })

  it('fails, naming the file, when the markers are missing', () => {
    const file = join(tempDir(), 'README.md')
    writeFileSync(file, 'no markers\n')
    expect(() => updateReadme(file, result)).toThrow(/README\.md: the markers/)
  })
})
