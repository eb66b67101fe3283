/**
 * Mutators for the fuzz tests: fast-check arbitraries that turn a valid document into a nearby
 * invalid (or still valid) one, structurally (replace, delete, insert, wrap or duplicate a value at
 * a random path) or as text (insert, delete or replace characters; duplicate a key).
 */
import fc from 'fast-check'

type Path = (string | number)[]

/** Every path in a JSON value, found without recursion. */
function paths (value: unknown): Path[] {
  const out: Path[] = [[]]
  const stack: [unknown, Path][] = [[value, []]]
  while (stack.length > 0) {
    const [v, p] = stack.pop()!
    if (typeof v !== 'object' || v === null) continue
    for (const [k, child] of Object.entries(v)) {
      const cp = [...p, Array.isArray(v) ? Number(k) : k]
      out.push(cp)
      stack.push([child, cp])
    }
  }
  return out
}

/** Values that have broken parsers and validators before, mixed with arbitrary JSON. */
const nasty = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(2 ** 53 + 2, 3.5e38, 65505, -0, 1e308, '', '__proto__', null, [], {}, [[[[[[[[1]]]]]]]], { __proto__: { polluted: true } }),
  fc.double(),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 })
)

type Op = ['replace' | 'delete' | 'insert' | 'wrap' | 'dup', number, unknown, string]

export const structuralOps: fc.Arbitrary<Op[]> = fc.array(
  fc.tuple(fc.constantFrom('replace', 'delete', 'insert', 'wrap', 'dup'), fc.nat(), nasty, fc.string({ maxLength: 6 })) as fc.Arbitrary<Op>,
  { minLength: 1, maxLength: 3 }
)

/** Apply structural mutations to a deep copy of `doc`. */
export function mutate (doc: unknown, ops: readonly Op[]): unknown {
  let root: unknown = structuredClone(doc)
  for (const [op, pick, value, key] of ops) {
    const all = paths(root)
    const path = all[pick % all.length]!
    if (path.length === 0) {
      root = op === 'wrap' ? [root] : op === 'replace' ? value : root
      continue
    }
    let parent = root as Record<string | number, unknown>
    for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>
    const last = path[path.length - 1]!
    if (op === 'replace') parent[last] = value
    else if (op === 'wrap') parent[last] = [parent[last]]
    else if (op === 'dup') parent[last] = structuredClone([parent[last], parent[last]])
    else if (op === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(last), 1)
      else delete parent[last]
    } else if (Array.isArray(parent)) parent.splice(Number(last), 0, value)
    else parent[key] = value
  }
  return root
}

type TextOp = ['insert' | 'delete' | 'replace', number, string]

export const textOps: fc.Arbitrary<TextOp[]> = fc.array(
  fc.tuple(fc.constantFrom('insert', 'delete', 'replace'), fc.nat(), fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', '\n', ' ', '- ', '#', '&a', '*a', '!!', '\u0000'))) as fc.Arbitrary<TextOp>,
  { minLength: 1, maxLength: 4 }
)

export function mutateText (text: string, ops: readonly TextOp[]): string {
  let t = text
  for (const [op, pick, s] of ops) {
    const at = t.length === 0 ? 0 : pick % t.length
    if (op === 'insert') t = t.slice(0, at) + s + t.slice(at)
    else if (op === 'delete') t = t.slice(0, at) + t.slice(at + 1 + (pick % 8))
    else t = t.slice(0, at) + s + t.slice(at + s.length)
  }
  return t
}
