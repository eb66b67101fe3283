/** Micro: drift's bin lookup (binary search over a feature's interior edges) for one live value. */
import { bench } from './harness.js'

const { binIndex } = await import('../../dist/drift/bins.js')

// 9 interior edges (10 bins), as the reference profile of hit-predictor has per feature.
const edges = Float64Array.from({ length: 9 }, (_, i) => (i + 1) / 10)
const values = Float64Array.from({ length: 1024 }, (_, i) => ((i * 2654435761) >>> 0) / 2 ** 32)

export default [
  bench('bin lookup: binIndex, 9 edges', (i) => binIndex(edges, values[i & 1023])),
  bench('bin lookup: 12 features of one request', (i) => {
    let sum = 0
    for (let f = 0; f < 12; f++) sum += binIndex(edges, values[(i + f) & 1023])
    return sum
  })
]
