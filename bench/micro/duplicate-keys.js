/**
 * Micro-benchmark of the duplicate-key scan (src/protocol/duplicate-keys.ts) that runs on every
 * request body before validation: ns per call on the demo OIP request (1 row of 12 FP32), a 32-row
 * batch, and a 32-instance named-feature :predict body, beside JSON.parse and the OIP validator on
 * the same bytes for scale. Runs the compiled code:
 *
 *   npm run build && node bench/micro/duplicate-keys.js [--iterations 200000]
 *
 * Each figure is the median of 5 timed rounds after a warm-up round (this machine is shared).
 */
import { findDuplicateKey } from '../../dist/protocol/duplicate-keys.js'
import { checkInferRequest } from '../../dist/protocol/oip.js'

const arg = process.argv.indexOf('--iterations')
const N = arg > 0 ? Number(process.argv[arg + 1]) : 200_000
const ROW = [0.71, 0.8, 5, -5.2, 1, 0.05, 0.1, 0, 0.12, 0.6, 118, 201000]
const SONG = { danceability: 0.71, energy: 0.8, key: 5, loudness: -5.2, mode: 1, speechiness: 0.05, acousticness: 0.1, instrumentalness: 0, liveness: 0.12, valence: 0.6, tempo: 118, duration_ms: 201000 }
const oip = (rows) => Buffer.from(JSON.stringify({ id: 'r1', inputs: [{ name: 'song_features', shape: [rows, 12], datatype: 'FP32', data: Array.from({ length: rows }, () => ROW).flat() }] }))
const bodies = {
  'OIP, 1 row': oip(1),
  'OIP, 32 rows': oip(32),
  ':predict, 32 named': Buffer.from(JSON.stringify({ instances: Array.from({ length: 32 }, () => SONG) }))
}

/** Median ns per call of `fn` over 5 rounds of N calls (after one warm-up round). */
function nsPerOp (fn) {
  let sink = 0
  const rounds = []
  for (let r = 0; r < 6; r++) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < N; i++) if (fn() !== undefined) sink++
    const ns = Number(process.hrtime.bigint() - t0) / N
    if (r > 0) rounds.push(ns)
  }
  rounds.sort((a, b) => a - b)
  if (sink < 0) console.log(sink)
  return rounds[2]
}

console.log(`| body | bytes | duplicate-key scan ns/op | JSON.parse ns/op | scan / parse | OIP validator ns/op |`)
console.log('|---|---|---|---|---|---|')
for (const [name, buf] of Object.entries(bodies)) {
  if (findDuplicateKey(buf) !== undefined) throw new Error(`${name}: unexpected duplicate`)
  const scan = nsPerOp(() => findDuplicateKey(buf))
  const parse = nsPerOp(() => { JSON.parse(buf.toString('utf8')) })
  const parsed = JSON.parse(buf.toString('utf8'))
  const check = name.startsWith('OIP') ? nsPerOp(() => { checkInferRequest(parsed) }) : NaN
  console.log(`| ${name} | ${buf.length} | ${scan.toFixed(0)} | ${parse.toFixed(0)} | ${(scan / parse).toFixed(2)} | ${Number.isNaN(check) ? '-' : check.toFixed(0)} |`)
}
console.log(`\nnode ${process.version}, ${N} iterations per round, median of 5 rounds`)
