import { COUNTRY_COUNT } from './countries.js'
import { FEATURE_COUNT, FEATURES, V3_FEATURE_ORDER } from './features.js'
import { mulberry32, normal } from './songs.js'
import { argmax } from '../vector.js'

/**
 * The hit predictor itself: a multinomial logistic regression from 12 standardised audio features
 * to a probability for each of 72 countries. Pure: parameters are derived from fixed seeds, so every
 * process (and every test) builds exactly the same model.
 */

/** The three demo versions: v2 is a light retrain of v1; v3 was retrained on another feature order. */
export type DemoVersion = 'v1' | 'v2' | 'v3'

/** A ready-to-call model version. */
export interface HitModel {
  version: DemoVersion
  /** The feature order this version was trained on (how it reads each row by position). */
  featureOrder: readonly string[]
  /** One probability vector (72 entries summing to 1) per row of 12 numbers in `featureOrder`. */
  predict(rows: Float64Array[] | number[][]): number[][]
}

/** The demo's versions, in release order. */
export const DEMO_VERSIONS: readonly DemoVersion[] = Object.freeze(['v1', 'v2', 'v3'])

// Training-set statistics (mean, scale) per feature, canonical order. Standardising inside the
// model lets callers send raw values (tempo 118, duration_ms 201000) as real model servers accept.
const MEANS = [0.6, 0.62, 5.5, -8.2, 0.63, 0.085, 0.33, 0.1, 0.18, 0.5, 120, 212_000]
const SCALES = [0.15, 0.18, 3.45, 3.2, 0.48, 0.06, 0.3, 0.24, 0.13, 0.17, 27, 47_000]
// Winsorising z-scores, as training pipelines commonly do, keeps one absurd value (say a tempo
// sent where a [0, 1] feature belongs) from turning the answer into a one-hot certainty.
const Z_LIMIT = 4

const V1_SEED = 0x417_0001
const V2_RETRAIN_SEED = 0x417_0002
const WEIGHT_SD = 0.56
const BIAS_SD = 0.6
// Size of the v1 -> v2 "retrain" perturbation; sets how often the two disagree on the top country.
const RETRAIN_SD = 0.05

interface Parameters {
  order: readonly string[]
  means: Float64Array
  scales: Float64Array
  /** Row-major [COUNTRY_COUNT][FEATURE_COUNT]. */
  weights: Float64Array
  bias: Float64Array
}

function v1Parameters (): Parameters {
  const random = mulberry32(V1_SEED)
  const weights = new Float64Array(COUNTRY_COUNT * FEATURE_COUNT)
  for (let i = 0; i < weights.length; i++) weights[i] = WEIGHT_SD * normal(random)
  const bias = new Float64Array(COUNTRY_COUNT)
  for (let c = 0; c < COUNTRY_COUNT; c++) bias[c] = BIAS_SD * normal(random)
  return { order: FEATURES, means: Float64Array.from(MEANS), scales: Float64Array.from(SCALES), weights, bias }
}

/** v2 = v1 plus small seeded noise on every weight and bias: a retrain on a bit more data. */
function v2Parameters (): Parameters {
  const v1 = v1Parameters()
  const random = mulberry32(V2_RETRAIN_SEED)
  const weights = v1.weights.map((w) => w + RETRAIN_SD * normal(random))
  const bias = v1.bias.map((b) => b + RETRAIN_SD * normal(random))
  return { ...v1, weights, bias }
}

/**
 * v3 = v2 retrained for V3_FEATURE_ORDER: the same function of the song, but its columns (and
 * standardisation) permuted, so v3(row in V3 order) equals v2(row in canonical order).
 */
function v3Parameters (): Parameters {
  const v2 = v2Parameters()
  const source = V3_FEATURE_ORDER.map((name) => FEATURES.indexOf(name))
  const weights = new Float64Array(v2.weights.length)
  for (let c = 0; c < COUNTRY_COUNT; c++) {
    for (let j = 0; j < FEATURE_COUNT; j++) {
      weights[c * FEATURE_COUNT + j] = v2.weights[c * FEATURE_COUNT + (source[j] as number)] as number
    }
  }
  const means = Float64Array.from(source, (k) => v2.means[k] as number)
  const scales = Float64Array.from(source, (k) => v2.scales[k] as number)
  return { order: V3_FEATURE_ORDER, means, scales, weights, bias: v2.bias }
}

function parametersFor (version: DemoVersion): Parameters {
  switch (version) {
    case 'v1': return v1Parameters()
    case 'v2': return v2Parameters()
    case 'v3': return v3Parameters()
    default: throw new Error(`createHitModel: unknown version "${String(version)}"; expected v1, v2 or v3`)
  }
}

/**
 * Builds one version of the hit predictor.
 *
 * @example
 * const model = createHitModel('v1')
 * const [probabilities] = model.predict([songToRow(song)]) // 72 numbers summing to 1
 */
export function createHitModel (version: DemoVersion): HitModel {
  const { order, means, scales, weights, bias } = parametersFor(version)
  const z = new Float64Array(FEATURE_COUNT)

  function predictRow (row: ArrayLike<number>, r: number): number[] {
    if (row.length !== FEATURE_COUNT) {
      throw new RangeError(`rows[${r}]: expected ${FEATURE_COUNT} features, got ${row.length}`)
    }
    for (let j = 0; j < FEATURE_COUNT; j++) {
      const x = row[j] as number
      if (!Number.isFinite(x)) throw new RangeError(`rows[${r}][${j}] (${order[j]}): expected a finite number, got ${x}`)
      const zj = (x - (means[j] as number)) / (scales[j] as number)
      z[j] = zj > Z_LIMIT ? Z_LIMIT : zj < -Z_LIMIT ? -Z_LIMIT : zj
    }
    const out = new Array<number>(COUNTRY_COUNT)
    let max = -Infinity
    for (let c = 0; c < COUNTRY_COUNT; c++) {
      let logit = bias[c] as number
      const base = c * FEATURE_COUNT
      for (let j = 0; j < FEATURE_COUNT; j++) logit += (weights[base + j] as number) * (z[j] as number)
      out[c] = logit
      if (logit > max) max = logit
    }
    // Softmax, shifted by the max logit so exp never overflows.
    let sum = 0
    for (let c = 0; c < COUNTRY_COUNT; c++) {
      const e = Math.exp((out[c] as number) - max)
      out[c] = e
      sum += e
    }
    for (let c = 0; c < COUNTRY_COUNT; c++) out[c] = (out[c] as number) / sum
    return out
  }

  return Object.freeze({
    version,
    featureOrder: order,
    predict (rows: Float64Array[] | number[][]): number[][] {
      const result = new Array<number[]>(rows.length)
      for (let r = 0; r < rows.length; r++) result[r] = predictRow(rows[r] as ArrayLike<number>, r)
      return result
    }
  })
}

export { argmax }
