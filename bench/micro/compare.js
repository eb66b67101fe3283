/** Micro: the shadow comparison of one primary answer with one shadow answer (72 probabilities a row). */
import { bench } from './harness.js'

const { compare } = await import('../../dist/shadow/compare.js')

/** A seeded probability row (72 classes): a fixed LCG, normalised. */
function row (seed) {
  let s = seed >>> 0
  const xs = Array.from({ length: 72 }, () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32 + 1e-3 })
  const sum = xs.reduce((a, b) => a + b, 0)
  return xs.map((x) => x / sum)
}
const one = { primary: { ok: true, rows: [row(1)] }, shadow: { ok: true, rows: [row(2)] } }
const batch = { primary: { ok: true, rows: Array.from({ length: 32 }, (_, i) => row(i)) }, shadow: { ok: true, rows: Array.from({ length: 32 }, (_, i) => row(i + 100)) } }

export default [
  bench('compare: 1 row x 72 probabilities (top1 rule)', () => compare(one).outcome),
  bench('compare: 32 rows x 72 probabilities', () => compare(batch).outcome, { iterations: 10_000 })
]
