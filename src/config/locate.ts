/**
 * Where a path of the config points in the YAML text: line and column (1-based) from the `yaml`
 * library's node ranges and a LineCounter. A path that goes past what the file has (a required field
 * that is missing) points at the deepest part that is there, the map the field belongs in.
 */
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml'

export interface Located {
  path: PropertyKey[]
  message: string
  line?: number
  column?: number
}

/** The key or item node for each step of `path`, as deep as the document goes. */
function deepest (doc: Document, path: readonly PropertyKey[]): Node | undefined {
  let node = doc.contents as Node | null
  let found: Node | undefined = node ?? undefined
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(key))
      if (pair === undefined) break
      // Point at the key: it starts the line that holds the field, whether its value is inline or a block.
      found = (isScalar(pair.key) ? pair.key : undefined) ?? found
      node = pair.value as Node | null
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key] as Node | undefined
      if (item === undefined) break
      found = item
      node = item
    } else {
      break
    }
  }
  return found
}

export function locate (doc: Document, lc: LineCounter, path: readonly PropertyKey[]): { line?: number; column?: number } {
  const node = deepest(doc, path)
  const offset = node?.range?.[0]
  if (offset === undefined) return {}
  const { line, col } = lc.linePos(offset)
  return { line, column: col }
}
