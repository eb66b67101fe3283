/**
 * Benchmark runner (`npm run bench`). Runs the compiled gateway (dist/: `npm run build` first).
 *
 *   node bench/run.js                       every scenario marked inDefaultRun: the suite (bench/suite.js)
 *   node bench/run.js passthrough [shadow]  the named scenarios (bench/<name>.js)
 *   suite: --only passthrough,shadow (groups; baselines always) --quick (1 round of 3 s, 1 s warm-up)
 *          --max-steal 5 --max-other 15 (% of a core: the discard rule, lib/noise.js)
 *          --budget 570 (s: a noisy round is re-run only while the run still fits in it) --no-readme (do not regenerate bench/README.md)
 *   options: --duration 10 (s per target; suite 5) --warmup 3 (s; suite 1) --connections 32 --rounds 1 (suite 3)
 *            --rate N (fixed total req/s instead of as fast as possible: CPU/request at equal load)
 *            --quiet-wait 60 (s to wait, before each target, for every core to be < 15 % busy; 0: never)
 *            --keep-profiles (profile scenario: keep the .cpuprofile files in bench/results/)
 *            --baseline <dir> (passthrough, ab: also run the gateway of another built checkout, `gateway-baseline`)
 *            --ready-timeout 15 (s: how long a started process may take to answer ready)
 *            --rss-duration 120 (s, shadow's dead-shadow memory run) --timeout 1800 (s, whole run)
 *            --results-dir bench/results (where the JSON goes)
 *
 * Prints markdown to stdout (progress goes to stderr) and writes bench/results/<scenario>-<date>.json.
 * A scenario is a module whose default export is { name, description, inDefaultRun, run(ctx) };
 * see lib/targets.js. To add one, write bench/<name>.js and add its name to SCENARIOS.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { availableParallelism, cpus, release, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { clockTicks, guardGroup, ProcessGroup, tasksetAvailable } from './lib/procs.js'
import { LOAD_CORE } from './lib/parties.js'
import { figuresTable, markdownTable, writeResult } from './lib/report.js'
import { DEFAULT_MAX_OTHER_PCT, DEFAULT_MAX_STEAL_PCT } from './lib/noise.js'
import { suiteMarkdown, updateReadme } from './lib/suite-report.js'

const SCENARIOS = ['suite', 'passthrough', 'shadow', 'transform', 'drift', 'profile', 'ab']
const ROOT = fileURLToPath(new URL('../', import.meta.url))

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string', default: '32' },
    rounds: { type: 'string' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string', default: '' },
    'max-steal': { type: 'string', default: String(DEFAULT_MAX_STEAL_PCT) },
    'max-other': { type: 'string', default: String(DEFAULT_MAX_OTHER_PCT) },
    budget: { type: 'string', default: '570' },
    'no-readme': { type: 'boolean', default: false },
    'results-dir': { type: 'string' },
    rate: { type: 'string' },
    'quiet-wait': { type: 'string' },
    'keep-profiles': { type: 'boolean', default: false },
    baseline: { type: 'string' },
    'ready-timeout': { type: 'string', default: '15' },
    'rss-duration': { type: 'string', default: '120' },
    timeout: { type: 'string', default: '1800' }
  }
})

function positiveInt (name, min = 1, fallback) {
  if (values[name] === undefined && fallback !== undefined) return fallback
  const n = Number(values[name])
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got "${values[name]}"`)
  return n
}

/** Newest modification time under a directory (to tell a stale dist/ from a fresh one). */
function newestMtime (dir) {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath ?? entry.path, entry.name)).mtimeMs)
  }
  return newest
}

function checkBuild (log) {
  if (!existsSync(join(ROOT, 'dist/main.js')) || !existsSync(join(ROOT, 'dist/demo/model-server.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first (the benchmark runs the compiled gateway)')
  }
  if (newestMtime(join(ROOT, 'src')) > newestMtime(join(ROOT, 'dist'))) {
    log('WARNING src/ is newer than dist/: run `npm run build` to benchmark the current code')
  }
}

function machine (taskset) {
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30 * 10) / 10,
    node: process.version,
    kernel: release(),
    pinning: taskset ? 'taskset: model servers + proxy on core 0, load generator (and this runner) on core 1' : 'none (taskset not available)'
  }
}

async function main () {
  const log = (line) => process.stderr.write(`bench: ${line}\n`)
  const unknown = positionals.filter((n) => !SCENARIOS.includes(n))
  if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.join(', ')}`)
  // The suite fits every group in 10 minutes: 5 s per target, 3 rounds; --quick is the machinery check.
  const suite = positionals.length === 0 || positionals.includes('suite')
  const quick = values.quick
  const opts = {
    duration: positiveInt('duration', 1, quick ? 3 : suite ? 5 : 10),
    warmup: positiveInt('warmup', 0, quick || suite ? 1 : 3),
    connections: positiveInt('connections'),
    rounds: positiveInt('rounds', 1, quick ? 1 : suite ? 3 : 1),
    quick,
    only: values.only.split(',').map((g) => g.trim()).filter((g) => g !== ''),
    discard: { maxStealPct: positiveInt('max-steal', 0), maxOtherPct: positiveInt('max-other', 0) },
    budgetSec: positiveInt('budget'),
    rate: values.rate === undefined ? undefined : positiveInt('rate'),
    // The suite's discard rule replaces the wait for a quiet machine (it would eat the 10-minute budget).
    quietWait: positiveInt('quiet-wait', 0, suite ? 0 : 60),
    keepProfiles: values['keep-profiles'],
    // Another checkout (built) to A/B against in the same run: passthrough adds a `gateway-baseline` row.
    baseline: values.baseline,
    readyTimeoutSec: positiveInt('ready-timeout'),
    rssDuration: positiveInt('rss-duration'),
    timeoutSec: positiveInt('timeout')
  }
  checkBuild(log)
  const modules = await Promise.all((positionals.length > 0 ? positionals : SCENARIOS).map(async (n) => (await import(`./${n}.js`)).default))
  const scenarios = positionals.length > 0 ? modules : modules.filter((s) => s.inDefaultRun)

  const taskset = tasksetAvailable() && availableParallelism() >= 2
  const host = machine(taskset) // before this process pins itself (that changes availableParallelism)
  if (!taskset) log('WARNING no taskset or a single core: processes are not pinned, figures are not comparable with DESIGN.md')
  // This runner only waits on timers and pipes, but keep it off the server core all the same.
  if (taskset) spawnSync('taskset', ['-pc', String(LOAD_CORE), String(process.pid)], { stdio: 'ignore' })

  const group = new ProcessGroup({ taskset })
  const tmpDir = mkdtempSync(join(tmpdir(), 'headliner-bench-'))
  const removeTmp = () => rmSync(tmpDir, { recursive: true, force: true })
  const unguard = guardGroup(group, opts.timeoutSec * 1000, removeTmp)
  const ctx = { group, opts, tmpDir, ticksPerSec: clockTicks(), log, budget: { startedAt: Date.now(), budgetMs: opts.budgetSec * 1000, measured: 0, spentMs: 0 } }
  const resultsDir = values['results-dir'] ?? join(ROOT, 'bench/results')
  const gitCommit = spawnSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout?.trim() || undefined
  try {
    for (const scenario of scenarios) {
      log(`scenario ${scenario.name}: ${scenario.description}`)
      const date = new Date()
      const result = await scenario.run(ctx)
      const data = { scenario: scenario.name, date: date.toISOString(), machine: host, opts, gitCommit, ...result }
      const file = writeResult(scenario.name, data, date, resultsDir)
      if (scenario.name === 'suite') {
        const shown = { ...data, file: file.startsWith(ROOT) ? file.slice(ROOT.length) : file }
        console.log(`## suite\n\n${suiteMarkdown(shown)}\n\nJSON: ${shown.file}\n`)
        // Only a full run (every group, not --quick) replaces the README's table.
        if (!values['no-readme'] && !opts.quick && opts.only.length === 0) updateReadme(join(ROOT, 'bench/README.md'), shown)
        continue
      }
      console.log(`## ${scenario.name} (${date.toISOString().slice(0, 16).replace('T', ' ')} UTC)\n`)
      console.log(`${host.cpus} cpus (${host.cpuModel}), node ${host.node}, ${opts.connections} connections, ${opts.duration} s per target after ${opts.warmup} s warm-up, ${opts.rounds} round(s) (medians)\n`)
      if (result.rows?.length > 0) console.log(markdownTable(result.rows, result.columns) + '\n')
      if (result.figures?.length > 0) console.log(figuresTable(result.figures) + '\n')
      for (const { title, markdown } of result.sections ?? []) console.log(`### ${title}\n\n${markdown}\n`)
      for (const note of result.notes ?? []) console.log(`- ${note}`)
      console.log(`\nJSON: ${file.slice(ROOT.length)}\n`)
    }
  } finally {
    await group.stopAll()
    unguard()
    removeTmp()
  }
}

main().catch((err) => {
  console.error(`bench: ${err.message}`)
  process.exitCode = 1
})
