/**
 * "Did you mean" for feature and field names: the closest candidate by Damerau-Levenshtein
 * distance (optimal string alignment: insertions, deletions, substitutions and swaps of two
 * neighbouring characters each cost 1), so `temp`, `tmepo` and `Tempo` all point at `tempo`.
 */

/** Largest distance that still counts as a likely typo. */
export const SUGGEST_MAX_DISTANCE = 2

/**
 * Optimal-string-alignment distance between `a` and `b`.
 *
 * @example
 * editDistance('tmepo', 'tempo') // 1 (one swap)
 */
export function editDistance (a: string, b: string): number {
  if (a === b) return 0
  const n = a.length
  const m = b.length
  // Three rolling rows (two back, one back, current) are all a swap needs.
  let prev2 = new Array<number>(m + 1).fill(0)
  let prev = new Array<number>(m + 1)
  let cur = new Array<number>(m + 1)
  for (let j = 0; j <= m; j++) prev[j] = j
  for (let i = 1; i <= n; i++) {
    cur[0] = i
    for (let j = 1; j <= m; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1)
      cur[j] = d
    }
    const done = prev2
    prev2 = prev
    prev = cur
    cur = done
  }
  return prev[m]!
}

/**
 * The candidate closest to `word` when it is within {@link SUGGEST_MAX_DISTANCE} edits and shorter
 * than the candidate itself (so `x` never "means" `key`). Ties go to the earlier candidate.
 * Case is ignored, so `Tempo` suggests `tempo`.
 *
 * @example
 * didYouMean('temp', ['danceability', 'tempo']) // 'tempo'
 * didYouMean('colour', ['tempo'])               // undefined
 */
export function didYouMean (word: string, candidates: Iterable<string>): string | undefined {
  const lower = word.toLowerCase()
  let best: string | undefined
  let bestDistance = SUGGEST_MAX_DISTANCE + 1
  for (const candidate of candidates) {
    const d = editDistance(lower, candidate.toLowerCase())
    if (d < bestDistance && d < candidate.length) {
      best = candidate
      bestDistance = d
    }
  }
  return best
}
