/**
 * Find a key that appears twice in one JSON object, in the raw request bytes.
 *
 * RFC 8259 section 4 leaves duplicate names to the parser: JavaScript's JSON.parse keeps the last
 * copy, Triton's parser (and others) the first. The gateway validates what JSON.parse gives it but
 * forwards the original bytes, so a body with two "inputs" would pass validation with one tensor and
 * reach the upstream with the other. Refusing duplicate keys anywhere closes that gap without a
 * re-serialisation on the hot path.
 *
 * One pass over the bytes, without recursion (no nesting depth can overflow the stack): strings are
 * skipped with a native indexOf for the closing quote, numbers and literals byte by byte. Only keys
 * are decoded. The scan assumes nothing about validity: on malformed input it may stop early, and
 * JSON.parse reports the syntax error afterwards.
 */

export interface DuplicateKey {
  /** The key as JSON.parse would decode it. */
  key: string
  /** Where the object is, in the validator's notation: `(body)`, `inputs[0]`, `instances[3]`. */
  at: string
}

const QUOTE = 0x22
const BACKSLASH = 0x5c

/** A frame per open object (`keys` set) or array (`keys` undefined, `index` counts elements). */
interface Frame { keys: Set<string> | undefined; key: string; index: number }

export function findDuplicateKey (bytes: Buffer): DuplicateKey | undefined {
  const stack: Frame[] = []
  let expectKey = false
  const n = bytes.length
  for (let i = 0; i < n; i++) {
    const c = bytes[i]!
    switch (c) {
      case 0x7b: // {
        stack.push({ keys: new Set(), key: '', index: 0 })
        expectKey = true
        break
      case 0x5b: // [
        stack.push({ keys: undefined, key: '', index: 0 })
        expectKey = false
        break
      case 0x7d: // }
      case 0x5d: // ]
        stack.pop()
        expectKey = false
        break
      case 0x2c: { // ,
        const top = stack[stack.length - 1]
        if (top === undefined) return undefined
        if (top.keys === undefined) top.index++
        else expectKey = true
        break
      }
      case 0x3a: // :
        expectKey = false
        break
      case QUOTE: {
        const end = closingQuote(bytes, i + 1)
        if (end === -1) return undefined
        const top = stack[stack.length - 1]
        if (expectKey && top?.keys !== undefined) {
          const key = decodeKey(bytes, i, end)
          if (key === undefined) return undefined
          if (top.keys.has(key)) return { key, at: pathOf(stack) }
          top.keys.add(key)
          top.key = key
        }
        i = end
        break
      }
      default:
        break
    }
  }
  return undefined
}

/** Index of the quote that closes a string whose content starts at `from`, or -1. */
function closingQuote (bytes: Buffer, from: number): number {
  let q = bytes.indexOf(QUOTE, from)
  while (q !== -1) {
    // A quote preceded by an odd number of backslashes is escaped.
    let slashes = 0
    for (let j = q - 1; j >= from && bytes[j] === BACKSLASH; j--) slashes++
    if (slashes % 2 === 0) return q
    q = bytes.indexOf(QUOTE, q + 1)
  }
  return -1
}

function decodeKey (bytes: Buffer, open: number, close: number): string | undefined {
  let escaped = false
  for (let j = open + 1; j < close && !escaped; j++) escaped = bytes[j] === BACKSLASH
  if (!escaped) return bytes.toString('utf8', open + 1, close)
  // Escapes: "\u0069nputs" is the key "inputs" to every parser, so decode exactly as JSON.parse does.
  try {
    return JSON.parse(bytes.toString('utf8', open, close + 1)) as string
  } catch {
    return undefined
  }
}

/** The path of the innermost object, from the key (objects) or index (arrays) each frame is in. */
function pathOf (stack: readonly Frame[]): string {
  let at = ''
  for (let d = 0; d < stack.length - 1; d++) {
    const frame = stack[d]!
    at += frame.keys === undefined ? `[${frame.index}]` : (at === '' ? frame.key : `.${frame.key}`)
  }
  return at === '' ? '(body)' : at
}
