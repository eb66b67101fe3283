/**
 * Feature orders of the hit predictor. The order is part of a model's contract: a model reads its
 * input tensor by position, so the same numbers in another order are a different (wrong) question.
 */

/**
 * Canonical order used by v1 and v2 (and by the songs data set the demo generates).
 *
 * @example
 * FEATURES.indexOf('tempo') // 10
 */
export const FEATURES: readonly string[] = Object.freeze([
  'danceability',
  'energy',
  'key',
  'loudness',
  'mode',
  'speechiness',
  'acousticness',
  'instrumentalness',
  'liveness',
  'valence',
  'tempo',
  'duration_ms'
])

/**
 * The order v3 was trained on: someone moved the "rhythm" features to the front. v3 still accepts
 * 12 numbers in the canonical order and answers confidently, just wrongly; only its metadata
 * (input name `song_features_v3`) tells a careful gateway that the old pre-processing no longer fits.
 */
export const V3_FEATURE_ORDER: readonly string[] = Object.freeze([
  'tempo',
  'duration_ms',
  'danceability',
  'energy',
  'valence',
  'loudness',
  'key',
  'mode',
  'speechiness',
  'acousticness',
  'instrumentalness',
  'liveness'
])

/** Number of input features every version reads. */
export const FEATURE_COUNT = 12
