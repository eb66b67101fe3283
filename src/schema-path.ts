/**
 * One way to name a place in a validated document, shared by every schema (config, transform spec,
 * reference profile): the way users write it, `models.hit-predictor.versions.v2.weight`, `features[3].max`.
 *
 * @example formatPath(['features', 3, 'max']) // 'features[3].max'
 */
export function formatPath (path: readonly PropertyKey[]): string {
  let out = ''
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else out += out === '' ? String(key) : `.${String(key)}`
  }
  return out === '' ? '(root)' : out
}
