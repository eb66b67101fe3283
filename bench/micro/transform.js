/** Micro: v1's transform, pre (named features -> OIP tensor) and post (72 probabilities -> labelled top 5). */
import { fileURLToPath } from 'node:url'
import { bench } from './harness.js'
import { NAMED_SONG } from '../lib/parties.js'

const { loadTransform, pre, post } = await import('../../dist/transform/index.js')
const t = await loadTransform(fileURLToPath(new URL('../../models/hit-predictor/v1/transform.yaml', import.meta.url)))

const one = [NAMED_SONG]
const many = Array.from({ length: 32 }, () => NAMED_SONG)
const probs = (rows) => ({ rows, width: 72, data: Array.from({ length: rows * 72 }, (_, i) => ((i * 37) % 72 + 1) / 2628) })
const [b1, b32] = [probs(1), probs(32)]

export default [
  bench('transform pre: 1 named instance', () => pre(t, one).ok),
  bench('transform pre: 32 named instances', () => pre(t, many).ok, { iterations: 20_000 }),
  bench('transform post: 1 row, top 5 labelled', () => post(t, b1).ok),
  bench('transform post: 32 rows', () => post(t, b32).ok, { iterations: 20_000 })
]
