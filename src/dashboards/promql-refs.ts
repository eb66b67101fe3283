/**
 * What a PromQL expression refers to: the metric names it selects, the labels in each selector's
 * matchers, and the labels of `by`/`without` and `on`/`ignoring`/`group_left`/`group_right` lists.
 * Not a PromQL parser (promtool checks syntax); a tokenizer that knows just enough structure to
 * check a dashboard's queries against the metrics the code defines.
 */

/** A metric and the labels its matchers name: `rate(x{a="1",b=~"2"}[1m])` gives `{ metric: 'x', labels: ['a', 'b'] }`. */
export interface SelectorRef { metric: string, labels: string[] }
/**
 * A label list and the metrics it applies to. For `by`/`without` that is the aggregation's argument;
 * for the vector-matching keywords, every metric of the expression (this tokenizer does not split
 * binary operands).
 */
export interface GroupingRef { keyword: string, labels: string[], metrics: string[] }
export interface PromqlRefs { selectors: SelectorRef[], groupings: GroupingRef[] }

interface Token { kind: 'ident' | 'string' | 'number' | 'var' | 'punct', text: string }

const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right'])
const KEYWORDS = new Set([...GROUPING, 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan'])
const OPERATORS = ['=~', '!~', '!=', '==', '<=', '>=', '(', ')', '{', '}', '[', ']', ',', '+', '-', '*', '/', '%', '^', '<', '>', '=', '@', ':']

function tokenize (expr: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < expr.length) {
    const rest = expr.slice(i)
    const m = /^\s+/.exec(rest) ??
      /^("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)/.exec(rest) ??
      /^\$\{?\w+\}?/.exec(rest) ??
      /^[a-zA-Z_][a-zA-Z0-9_:]*/.exec(rest) ??
      // Numbers and durations (`0.99`, `1e-4`, `10m`, `1h30m`) are all "number" here.
      /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[a-zA-Z0-9]*/.exec(rest)
    const text = m?.[0] ?? OPERATORS.find((op) => rest.startsWith(op))
    if (text === undefined) throw new SyntaxError(`unexpected character ${JSON.stringify(rest[0])} at ${i} in: ${expr}`)
    i += text.length
    if (/^\s/.test(text)) continue
    const kind = /^["'`]/.test(text) ? 'string' : text.startsWith('$') ? 'var' : /^[a-zA-Z_]/.test(text) ? 'ident' : /^[\d.]/.test(text) ? 'number' : 'punct'
    tokens.push({ kind, text })
  }
  return tokens
}

/** Index just past the bracket group that opens at `open` (which must be `(`, `{` or `[`). */
function closeOf (tokens: Token[], open: number): number {
  const pairs: Record<string, string> = { '(': ')', '{': '}', '[': ']' }
  const stack: string[] = []
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i]!.text
    if (tokens[i]!.kind !== 'punct') continue
    if (pairs[t] !== undefined) stack.push(pairs[t]!)
    else if (t === stack[stack.length - 1]) {
      stack.pop()
      if (stack.length === 0) return i + 1
    }
  }
  throw new SyntaxError('unbalanced brackets')
}

/** Index of the `(` that opens the bracket group closing at `close`. */
function openOf (tokens: Token[], close: number): number {
  let depth = 0
  for (let i = close; i >= 0; i--) {
    const t = tokens[i]!.text
    if (tokens[i]!.kind !== 'punct') continue
    if (t === ')') depth++
    else if (t === '(' && --depth === 0) return i
  }
  throw new SyntaxError('unbalanced brackets')
}

/** The idents of `( a, b )` starting at `open`; `end` is just past the `)`. */
function labelList (tokens: Token[], open: number): { labels: string[], end: number } {
  const end = closeOf(tokens, open)
  return { labels: tokens.slice(open + 1, end - 1).filter((t) => t.kind === 'ident').map((t) => t.text), end }
}

function metricsIn (tokens: Token[], from: number, to: number, selectors: Map<number, SelectorRef>): string[] {
  const out: string[] = []
  for (const [at, s] of selectors) if (at >= from && at < to) out.push(s.metric)
  return out
}

/**
 * The metrics, matcher labels and grouping labels of one expression.
 * @throws SyntaxError on a character PromQL does not use or unbalanced brackets
 * @example promqlRefs('sum by (version) (rate(x_total{model="m"}[1m]))')
 * // { selectors: [{ metric: 'x_total', labels: ['model'] }], groupings: [{ keyword: 'by', labels: ['version'], metrics: ['x_total'] }] }
 */
export function promqlRefs (expr: string): PromqlRefs {
  const tokens = tokenize(expr)
  const selectors = new Map<number, SelectorRef>()
  const lists: Array<{ keyword: string, at: number, labels: string[], end: number }> = []
  const skip = new Set<number>() // tokens that are label names in grouping lists
  tokens.forEach((t, i) => {
    if (t.kind !== 'ident' || !GROUPING.has(t.text) || tokens[i + 1]?.text !== '(') return
    const { labels, end } = labelList(tokens, i + 1)
    for (let k = i + 1; k < end; k++) skip.add(k)
    lists.push({ keyword: t.text, at: i, labels, end })
  })
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!
    if (t.kind === 'punct' && (t.text === '[' || t.text === '{')) { i = closeOf(tokens, i) - 1; continue }
    // An ident followed by `(` is a function; by `by`/`without`, an aggregation (`sum by (l) (...)`).
    const next = tokens[i + 1]?.text
    if (t.kind !== 'ident' || skip.has(i) || KEYWORDS.has(t.text.toLowerCase()) || next === '(' || next === 'by' || next === 'without') continue
    const at = i
    const labels: string[] = []
    if (tokens[i + 1]?.text === '{') {
      const end = closeOf(tokens, i + 1)
      // Matchers are `label op "value"`: the ident before each operator is a label name.
      for (let k = i + 2; k < end - 1; k++) if (tokens[k]!.kind === 'ident' && ['=', '!=', '=~', '!~'].includes(tokens[k + 1]?.text ?? '')) labels.push(tokens[k]!.text)
      i = end - 1
    }
    selectors.set(at, { metric: t.text, labels })
  }
  const groupings = lists.map(({ keyword, at, labels, end }) => {
    if (keyword !== 'by' && keyword !== 'without') return { keyword, labels, metrics: metricsIn(tokens, 0, tokens.length, selectors) }
    // `sum by (l) (arg)` or `sum (arg) by (l)`.
    const [from, to] = tokens[end]?.text === '(' ? [end, closeOf(tokens, end)] : [openOf(tokens, at - 1), at]
    return { keyword, labels, metrics: metricsIn(tokens, from, to, selectors) }
  })
  return { selectors: [...selectors.values()], groupings }
}

/** The labels each known metric carries, by metric name (histograms: `_bucket` with `le`, `_sum`, `_count`). */
export type MetricCatalogue = ReadonlyMap<string, ReadonlySet<string>>

/**
 * Problems with one expression against a catalogue: unknown metrics, matcher labels a metric does not
 * have, `by`/`without` labels missing on a metric of the aggregated argument, vector-matching labels
 * on none of the expression's metrics. Empty when all is well.
 */
export function checkRefs (expr: string, catalogue: MetricCatalogue): string[] {
  const { selectors, groupings } = promqlRefs(expr)
  const problems: string[] = []
  for (const s of selectors) {
    const known = catalogue.get(s.metric)
    if (known === undefined) { problems.push(`unknown metric ${s.metric}`); continue }
    for (const l of s.labels) if (!known.has(l)) problems.push(`${s.metric} has no label "${l}" (has: ${[...known].join(', ')})`)
  }
  for (const g of groupings) {
    const metrics = g.metrics.filter((m) => catalogue.has(m))
    for (const l of g.labels) {
      const missing = metrics.filter((m) => !catalogue.get(m)!.has(l))
      if (g.keyword === 'by' || g.keyword === 'without') {
        for (const m of missing) problems.push(`${g.keyword} (${g.labels.join(', ')}): ${m} has no label "${l}"`)
      } else if (missing.length === metrics.length) {
        problems.push(`${g.keyword} (${g.labels.join(', ')}): no metric of the expression has label "${l}"`)
      }
    }
  }
  return problems
}
