/** Micro: the pick of a version (weighted 90/10, sticky rendezvous on a user id) and the mirror draw. */
import { bench } from './harness.js'

const { buildModelTable } = await import('../../dist/routing/table.js')
const { pickVersion, shouldMirror } = await import('../../dist/routing/pick.js')

const table = buildModelTable('hit-predictor', 'hit-predictor', [
  { name: 'v1', weight: 90, ready: true },
  { name: 'v2', weight: 10, ready: true },
  { name: 'v3', weight: 0, mirror: 100, ready: true }
])
// A seeded sequence of draws and 1,000 user ids, built before timing.
const draws = Float64Array.from({ length: 1024 }, (_, i) => ((i * 2654435761) >>> 0) / 2 ** 32)
const users = Array.from({ length: 1000 }, (_, i) => `user-${i}`)
const empty = {}

export default [
  bench('pick: weighted 90/10', (i) => pickVersion(table, empty, draws[i & 1023]).ok),
  bench('pick: sticky (x-user-id over 1,000 users)', (i) => pickVersion(table, { stickyKey: users[i % 1000] }, 0).ok),
  bench('mirror draw (100 %)', (i) => shouldMirror(100, draws[i & 1023]))
]
