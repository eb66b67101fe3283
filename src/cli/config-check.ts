/** `headliner config check FILE`: every problem with its path and exit code 1, or "ok" and a summary. */
import { loadConfigFile } from '../config/load.js'

export function configCheck (file: string, out: (line: string) => void): number {
  const result = loadConfigFile(file)
  if (!result.ok) {
    out(`${result.file}: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}`)
    for (const p of result.problems) out(`  ${p}`)
    return 1
  }
  out(`ok: ${result.file}`)
  for (const [name, model] of Object.entries(result.config.models)) {
    const parts = Object.entries(model.versions).map(([v, c]) =>
      c.mirror !== undefined ? `${v} shadow ${c.mirror}%` : `${v} ${c.weight}%`)
    out(`  ${name}: ${parts.join(', ')}${model.sticky ? ` (sticky on ${model.sticky.header})` : ''}`)
  }
  return 0
}
