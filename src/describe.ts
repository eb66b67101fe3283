/**
 * The one way a bad value is shown in an error message: short, typed, never the whole body.
 * Shared by request checks, the transforms and the reading of upstream answers, so a user sees
 * `got string "118"` or `got an array of 3` whichever check refused the value.
 */

/** Longest string shown before it is cut with an ellipsis. */
const MAX_SHOWN = 24

/**
 * @example describeValue('118') // 'string "118"'
 * @example describeValue([1, 2, 3]) // 'an array of 3'
 * @example describeValue(NaN) // 'NaN'
 */
export function describeValue (v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return `an array of ${v.length}`
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > MAX_SHOWN ? `${v.slice(0, MAX_SHOWN)}…` : v)}`
  if (typeof v === 'boolean') return `boolean ${v}`
  if (typeof v === 'number') return String(v)
  if (typeof v === 'object') return 'an object'
  return typeof v
}
