/**
 * `npm run bench:micro`: ns/op of the hot functions of the compiled gateway (dist/: `npm run build`
 * first), pinned to one core. Prints a markdown table and writes bench/results/micro-<date>.json.
 *   node bench/micro/run.js [routing headers validation compare drift transform]
 */
import { spawnSync } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { writeResult } from '../lib/report.js'
import { ITERATIONS, ROUNDS, sinkValue } from './harness.js'

const FILES = ['routing', 'headers', 'validation', 'compare', 'drift', 'transform', 'request']
const chosen = process.argv.slice(2).length > 0 ? process.argv.slice(2) : FILES
const unknown = chosen.filter((f) => !FILES.includes(f))
if (unknown.length > 0) throw new Error(`unknown micro-benchmark ${unknown.join(', ')}; known: ${FILES.join(', ')}`)
// Core 0, as the gateway in the end-to-end runs (nothing else of ours runs here).
if (availableParallelism() >= 2) spawnSync('taskset', ['-pc', '0', String(process.pid)], { stdio: 'ignore' })

const results = []
for (const file of chosen) results.push(...(await import(`./${file}.js`)).default.map((r) => ({ file, ...r })))

console.log(`| function | ns/op | min-max ns | iterations x rounds |\n|---|---:|---:|---:|`)
for (const r of results) {
  if (r.nsPerOp === undefined) console.log(`| ${r.name} | - | ${r.skipped ?? r.note} | - |`)
  else console.log(`| ${r.name} | ${r.nsPerOp} | ${r.minNs}-${r.maxNs} | ${r.iterations.toLocaleString('en-US')} x ${r.rounds} |`)
}
const file = writeResult('micro', { scenario: 'micro', date: new Date().toISOString(), node: process.version, defaults: { iterations: ITERATIONS, rounds: ROUNDS }, results, sink: sinkValue() })
console.log(`\nJSON: ${file}`)
