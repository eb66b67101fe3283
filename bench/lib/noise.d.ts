/** Types of lib/noise.js for the TypeScript tests. */
export const DEFAULT_MAX_STEAL_PCT: number
export const DEFAULT_MAX_OTHER_PCT: number
export function noiseReasons (row: { stealPct?: number | null; otherProcsPct?: number | null }, limits?: { maxStealPct?: number; maxOtherPct?: number }): string[]
