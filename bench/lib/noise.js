/**
 * The discard rule for noisy rounds. This machine is shared: another guest's steal time or another
 * session's processes during a round make its figures those of a starved machine, not of the proxy.
 * A round is noisy when, over its measured run (lib/measure.js reads /proc/stat and our parties'
 * /proc/<pid>/stat):
 *   - the busiest core's steal time is above `maxStealPct` (default 5 % of the core), or
 *   - other processes (all cores' busy time minus proxy, upstreams, load generator and runner) used
 *     more than `maxOtherPct` (default 15 % of one core).
 * A noisy round is marked discarded and measured again once; the second result is kept either way
 * (flagged `noisy` when it is over the threshold too), so a run always ends, and the table states how
 * many rounds were discarded and how many kept rounds were still noisy.
 */

export const DEFAULT_MAX_STEAL_PCT = 5
export const DEFAULT_MAX_OTHER_PCT = 15

/** Why a row is noisy (empty when it is not). Pure: the thresholds come in. */
export function noiseReasons (row, { maxStealPct = DEFAULT_MAX_STEAL_PCT, maxOtherPct = DEFAULT_MAX_OTHER_PCT } = {}) {
  const out = []
  if (typeof row.stealPct === 'number' && row.stealPct > maxStealPct) out.push(`steal ${row.stealPct} % > ${maxStealPct} %`)
  if (typeof row.otherProcsPct === 'number' && row.otherProcsPct > maxOtherPct) out.push(`other processes ${row.otherProcsPct} % > ${maxOtherPct} %`)
  return out
}
