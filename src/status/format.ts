/**
 * How numbers read in verdict reasons, the CLI table and the console: the same words everywhere,
 * so "3 % of 2,310 requests" in a reason is the figure the table shows next to it.
 */

/** A ratio 0-1 as a percent with at most one decimal: 0.03 -> "3 %", 0.0125 -> "1.3 %"; null -> "-". */
export function percent (ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '-'
  return `${trim(ratio * 100, 1)} %`
}

/** A count with thousands separators: 2310 -> "2,310". */
export function count (n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

/** Milliseconds: one decimal under 10 ms, whole above: 840 -> "840 ms", 2.35 -> "2.4 ms"; null -> "-". */
export function millis (ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-'
  return `${ms < 10 ? trim(ms, 1) : count(ms)} ms`
}

/** A rate per second with up to one decimal (two under 1/s, so a trickle does not read as 0). */
export function rate (perSecond: number): string {
  return `${trim(perSecond, perSecond < 1 ? 2 : 1)}/s`
}

/** Wall-clock time of an epoch-ms instant as HH:MM UTC (what an operator compares with a log line). */
export function clock (epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(11, 16)} UTC`
}

/** "the last 5 min" for a window of 300 s. */
export function windowWords (seconds: number): string {
  return seconds % 60 === 0 ? `the last ${seconds / 60} min` : `the last ${seconds} s`
}

function trim (value: number, decimals: number): string {
  return String(Number(value.toFixed(decimals)))
}
