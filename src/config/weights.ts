/**
 * The weight rule, pure: the config file's checks, admin writes and rollout steps all call it, so a
 * weight is valid or not in the same way wherever it comes from. Each problem is `{ path, message }`
 * with the path relative to what was checked (the caller prefixes its own place).
 */

/** What the rule needs of a version: its weight and, for a shadow, its mirror percentage. */
export interface VersionWeight {
  weight: number
  /** Present: the version is a shadow getting this percent of the traffic copied. */
  mirror?: number | undefined
}

export interface WeightProblem {
  path: PropertyKey[]
  message: string
}

const isPercent = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 100

/**
 * A model's versions: at least one serving version (no mirror), serving weights integers 0-100
 * summing to 100, a shadow's weight 0.
 *
 * @example weightProblems({ v1: { weight: 90 }, v2: { weight: 20 } })
 * // [{ path: [], message: 'weights of serving versions must sum to 100, got 110' }]
 */
export function weightProblems (versions: Readonly<Record<string, VersionWeight>>): WeightProblem[] {
  const problems: WeightProblem[] = []
  let sum = 0
  let serving = 0
  let unreadable = false
  for (const [name, v] of Object.entries(versions)) {
    const shadow = v.mirror !== undefined
    if (!shadow) serving++
    if (!isPercent(v.weight)) {
      problems.push({ path: [name, 'weight'], message: `must be an integer from 0 to 100, got ${JSON.stringify(v.weight)}` })
      unreadable = true
    } else if (shadow) {
      if (v.weight !== 0) problems.push({ path: [name, 'weight'], message: `a shadow (mirror set) must have weight 0, got ${v.weight}` })
    } else {
      sum += v.weight
    }
  }
  if (serving === 0) problems.push({ path: [], message: 'at least one serving version (without mirror) is required' })
  // A sum over a weight that is not a percentage would only repeat that problem.
  else if (!unreadable && sum !== 100) problems.push({ path: [], message: `weights of serving versions must sum to 100, got ${sum}` })
  return problems
}

/**
 * A write of serving weights (`{"weights": {"v1": 80, "v2": 20}}`) against a model's versions:
 * known versions, integers 0-100, then {@link weightProblems} of the versions as they would be
 * (versions not named keep their weight). Paths are `[version]` in the write.
 */
export function weightWriteProblems (versions: Readonly<Record<string, VersionWeight>>, weights: Readonly<Record<string, unknown>>): WeightProblem[] {
  const problems: WeightProblem[] = []
  const next: Record<string, VersionWeight> = { ...versions }
  for (const [name, w] of Object.entries(weights)) {
    const current = versions[name]
    if (current === undefined) problems.push({ path: [name], message: `unknown version; the model has ${Object.keys(versions).join(', ')}` })
    else if (!isPercent(w)) problems.push({ path: [name], message: `must be an integer from 0 to 100, got ${JSON.stringify(w)}` })
    else if (current.mirror !== undefined && w !== 0) problems.push({ path: [name], message: `is a shadow (mirror ${current.mirror}%): a shadow has weight 0` })
    else next[name] = { ...current, weight: w }
  }
  if (problems.length > 0) return problems
  return weightProblems(next).map((p) => ({ path: p.path.slice(0, 1), message: p.message }))
}

/**
 * A write of mirror percentages (`{"mirrors": {"v3": 25}}`, 0 stops the copies): known versions,
 * numbers 0-100, and only on a version that is not serving (weight 0). Paths are `[version]`.
 */
export function mirrorProblems (versions: Readonly<Record<string, VersionWeight>>, mirrors: Readonly<Record<string, unknown>>): WeightProblem[] {
  const problems: WeightProblem[] = []
  for (const [name, m] of Object.entries(mirrors)) {
    const current = versions[name]
    if (current === undefined) problems.push({ path: [name], message: `unknown version; the model has ${Object.keys(versions).join(', ')}` })
    else if (typeof m !== 'number' || !Number.isFinite(m) || m < 0 || m > 100) problems.push({ path: [name], message: `must be a number from 0 to 100, got ${JSON.stringify(m)}` })
    else if (current.mirror === undefined && current.weight > 0) problems.push({ path: [name], message: `serves ${current.weight}% of the traffic: only a version with weight 0 can be a shadow` })
  }
  return problems
}
