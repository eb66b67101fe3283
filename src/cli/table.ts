/**
 * Plain-text tables for the CLI: columns padded to their widest cell, numbers right-aligned, no
 * colour or box drawing, so the output reads in a terminal and greps in a script.
 *
 * @example
 * table(['version', 'weight'], [['v1', 90], ['v2', 10]])
 * // 'version  weight\nv1           90\nv2           10'
 */
export type Cell = string | number | boolean | null | undefined

const text = (c: Cell): string => (c === null || c === undefined ? '-' : String(c))

export function table (header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => text(r[i]).length)))
  const numeric = header.map((_h, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || r[i] === null || r[i] === undefined))
  const line = (cells: readonly Cell[], isHeader: boolean) => cells
    .map((c, i) => (numeric[i] === true && !isHeader ? text(c).padStart(widths[i]!) : text(c).padEnd(widths[i]!)))
    .join('  ')
    .trimEnd()
  return [line(header, true), ...rows.map((r) => line(r, false))].join('\n')
}
