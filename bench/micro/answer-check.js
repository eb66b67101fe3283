/**
 * Micro-benchmark of the check of an answer passed through without a transform
 * (src/gateway/answer-check.ts): ns per call of JSON.parse of the answer (done once, and shared with
 * the observers) and of checkOipAnswer on the parsed answer, for the demo answer (1 row of 2 FP32),
 * 32 rows, and an answer near the small-answer size (64 KiB). Runs the compiled code:
 *
 *   npm run build && node bench/micro/answer-check.js [--iterations 100000]
 *
 * Each figure is the median of 5 timed rounds after a warm-up round (this machine is shared).
 */
import { checkOipAnswer } from '../../dist/protocol/answers.js'

const arg = process.argv.indexOf('--iterations')
const N = arg > 0 ? Number(process.argv[arg + 1]) : 100_000
const answer = (rows, width) => Buffer.from(JSON.stringify({ model_name: 'hit-predictor', model_version: 'v1', id: 'r1', outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [rows, width], data: Array.from({ length: rows * width }, (_, i) => ((i * 7919) % 1000) / 1000) }] }))
const bodies = { 'demo, 1 row x 2': answer(1, 2), '32 rows x 2': answer(32, 2), '1024 rows x 10 (~60 KiB)': answer(1024, 10) }
const declared = [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 2] }]

function nsPerOp (fn, n) {
  let sink = 0
  const rounds = []
  for (let r = 0; r < 6; r++) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < n; i++) if (fn() !== undefined) sink++
    if (r > 0) rounds.push(Number(process.hrtime.bigint() - t0) / n)
  }
  rounds.sort((a, b) => a - b)
  if (sink < 0) console.log(sink)
  return rounds[2]
}

console.log('| answer | bytes | JSON.parse ns/op | checkOipAnswer ns/op |')
console.log('|---|---:|---:|---:|')
for (const [name, buf] of Object.entries(bodies)) {
  const n = buf.length > 10_000 ? Math.max(100, Math.floor(N / 200)) : N
  const parsed = JSON.parse(buf.toString('utf8'))
  const width = parsed.outputs[0].shape[1]
  const meta = [{ ...declared[0], shape: [-1, width] }]
  if (checkOipAnswer(parsed, meta) !== undefined) throw new Error(`${name}: unexpectedly invalid`)
  const parse = nsPerOp(() => { JSON.parse(buf.toString('utf8')) }, n)
  const check = nsPerOp(() => checkOipAnswer(parsed, meta), n)
  console.log(`| ${name} | ${buf.length} | ${parse.toFixed(0)} | ${check.toFixed(0)} |`)
}
console.log(`\nnode ${process.version}, median of 5 rounds; load average ${(await import('node:os')).loadavg()[0].toFixed(1)}`)
