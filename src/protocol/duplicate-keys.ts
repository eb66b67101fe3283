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
/** Up to this many keys an object's keys are compared as byte ranges, without decoding a string. */
const SMALL_OBJECT = 16

/**
 * A frame per open object or array. An object's keys are kept as byte ranges (`starts`, `ends`)
 * while they are few and plain ASCII, which needs no string per key; past that, or with an escape
 * or a non-ASCII byte (where different bytes can decode to one key), as a set of decoded strings.
 */
interface Frame { object: boolean; index: number; starts: number[]; ends: number[]; set: Set<string> | undefined; keyStart: number; keyEnd: number }

export function findDuplicateKey (bytes: Buffer): DuplicateKey | undefined {
  const stack: Frame[] = []
  let expectKey = false
  const n = bytes.length
  for (let i = 0; i < n; i++) {
    const c = bytes[i]!
    switch (c) {
      case 0x7b: // {
        stack.push({ object: true, index: 0, starts: [], ends: [], set: undefined, keyStart: 0, keyEnd: 0 })
        expectKey = true
        break
      case 0x5b: // [
        stack.push({ object: false, index: 0, starts: [], ends: [], set: undefined, keyStart: 0, keyEnd: 0 })
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
        if (top.object) expectKey = true
        else top.index++
        break
      }
      case 0x3a: // :
        expectKey = false
        break
      case QUOTE: {
        const end = closingQuote(bytes, i + 1)
        if (end === -1) return undefined
        const top = stack[stack.length - 1]
        if (expectKey && top?.object === true) {
          const seen = addKey(bytes, top, i + 1, end)
          if (seen === undefined) return undefined
          if (seen) return { key: decodeKey(bytes, i + 1, end) ?? '', at: pathOf(bytes, stack) }
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

/** Record the key in bytes [from, to) in an object's frame: true when it was there already, undefined when it cannot be decoded. */
function addKey (bytes: Buffer, frame: Frame, from: number, to: number): boolean | undefined {
  frame.keyStart = from
  frame.keyEnd = to
  if (frame.set === undefined) {
    let plain = frame.starts.length < SMALL_OBJECT
    for (let j = from; j < to && plain; j++) plain = bytes[j] !== BACKSLASH && bytes[j]! < 0x80
    if (plain) {
      for (let k = 0; k < frame.starts.length; k++) if (sameBytes(bytes, frame.starts[k]!, frame.ends[k]!, from, to)) return true
      frame.starts.push(from)
      frame.ends.push(to)
      return false
    }
    frame.set = new Set(frame.starts.map((s, k) => bytes.toString('latin1', s, frame.ends[k])))
  }
  const key = decodeKey(bytes, from, to)
  if (key === undefined) return undefined
  if (frame.set.has(key)) return true
  frame.set.add(key)
  return false
}

function sameBytes (bytes: Buffer, a: number, aEnd: number, b: number, bEnd: number): boolean {
  if (aEnd - a !== bEnd - b) return false
  for (let j = 0; j < aEnd - a; j++) if (bytes[a + j] !== bytes[b + j]) return false
  return true
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

/** The key in bytes [from, to), decoded exactly as JSON.parse does ("\\u0069nputs" is "inputs" to every parser). */
function decodeKey (bytes: Buffer, from: number, to: number): string | undefined {
  let escaped = false
  for (let j = from; j < to && !escaped; j++) escaped = bytes[j] === BACKSLASH
  if (!escaped) return bytes.toString('utf8', from, to)
  try {
    return JSON.parse(bytes.toString('utf8', from - 1, to + 1)) as string
  } catch {
    return undefined
  }
}

/** The path of the innermost object, from the key (objects) or index (arrays) each frame is in. */
function pathOf (bytes: Buffer, stack: readonly Frame[]): string {
  let at = ''
  for (let d = 0; d < stack.length - 1; d++) {
    const frame = stack[d]!
    const key = frame.object ? decodeKey(bytes, frame.keyStart, frame.keyEnd) ?? '?' : ''
    at += frame.object ? (at === '' ? key : `.${key}`) : `[${frame.index}]`
  }
  return at === '' ? '(body)' : at
}
