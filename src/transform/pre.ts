/**
 * Pre-processing: named-feature instances (`{"tempo": 118, ...}`) become the version's input rows,
 * in the spec's feature order, validated and scaled. Runs on every request, so it reads only the
 * arrays compiled at load time and allocates one flat array for the whole batch. A bad instance never
 * reaches the model: up to {@link MAX_REPORTED_ERRORS} problems come back at once, joined by '; '.
 */
import { describeValue } from '../describe.js'
import { didYouMean } from '../suggest.js'
import type { Batch, PreResult, Transform, TransformFailure } from './types.js'

/** Problems reported per request; a batch of 1000 broken instances should not produce a 1 MB message. */
export const MAX_REPORTED_ERRORS = 10

function callerError (error: string): TransformFailure {
  return { ok: false, fault: 'caller', error }
}

/** The checks every pre (spec-driven or custom) starts with: a non-empty array within the limit. */
export function checkInstances (t: Transform, instances: unknown): TransformFailure | undefined {
  if (!Array.isArray(instances)) return callerError(`instances: must be an array of objects, got ${instances === undefined ? 'nothing' : describeValue(instances)}`)
  if (instances.length === 0) return callerError('instances: must hold at least one instance')
  if (instances.length > t.maxInstances) return callerError(`instances: ${instances.length} instances exceed the limit of ${t.maxInstances} per request`)
  return undefined
}

/** Why value `v` of feature `j` is not acceptable, or undefined when it is. */
function valueProblem (t: Transform, j: number, v: unknown): string | undefined {
  if (typeof v !== 'number') return `must be a number, got ${describeValue(v)}`
  if (!Number.isFinite(v)) return `must be a finite number, got ${v}`
  if (t.integer[j] === 1 && !Number.isInteger(v)) return `must be an integer, got ${v}`
  const allowed = t.enums[j]
  if (allowed !== undefined && !allowed.includes(v)) return `must be one of ${allowed.join(', ')}, got ${v}`
  const min = t.min[j]!
  if (t.minExclusive[j] === 1 ? !(v > min) : v < min) return `must be ${t.minExclusive[j] === 1 ? '>' : '>='} ${min}, got ${v}`
  const max = t.max[j]!
  if (t.maxExclusive[j] === 1 ? !(v < max) : v > max) return `must be ${t.maxExclusive[j] === 1 ? '<' : '<='} ${max}, got ${v}`
  return undefined
}

/**
 * The spec-driven pre-processing: validate every instance and build the input batch.
 *
 * @example
 * const r = specPre(t, [{ danceability: 0.71, energy: 0.8, ... }])
 * if (r.ok) upstreamBody = toOipRequest(t, r.batch)
 * else reply(400, { error: r.error }) // 'instances[0]: missing feature "tempo"'
 */
export function specPre (t: Transform, instances: unknown): PreResult {
  const bad = checkInstances(t, instances)
  if (bad !== undefined) return bad
  const list = instances as unknown[]
  const width = t.input.width
  const data: number[] = []
  let errors: string[] | undefined
  const report = (message: string): boolean => {
    errors ??= []
    errors.push(message)
    return errors.length > MAX_REPORTED_ERRORS
  }
  for (let i = 0; i < list.length; i++) {
    const instance = list[i]
    if (typeof instance !== 'object' || instance === null || Array.isArray(instance)) {
      if (report(`instances[${i}]: must be an object of named features, got ${describeValue(instance)}`)) break
      continue
    }
    const record = instance as Record<string, unknown>
    let present = 0
    for (let j = 0; j < width; j++) {
      const name = t.features[j]!
      // hasOwn: a feature named `constructor` must not read Object.prototype.constructor.
      let v = Object.hasOwn(record, name) ? record[name] : undefined
      if (v === undefined) {
        if (t.hasDefault[j] === 0) {
          if (report(`instances[${i}]: missing feature "${name}"`)) break
          continue
        }
        v = t.defaults[j]!
      } else {
        present++
      }
      const problem = valueProblem(t, j, v)
      if (problem !== undefined) {
        if (report(`instances[${i}].${name}: ${problem}`)) break
        continue
      }
      data.push(((v as number) - t.mean[j]!) / t.std[j]!)
    }
    // Counting keys without Object.keys keeps the valid path allocation-free; only a mismatch looks closer.
    let keys = 0
    for (const _ in record) keys++
    if (keys !== present) {
      for (const key of Object.keys(record)) {
        if (t.featureIndex.has(key)) continue
        const guess = didYouMean(key, t.features)
        if (report(`instances[${i}]: unknown feature ${JSON.stringify(key)}${guess === undefined ? '' : `; did you mean "${guess}"?`}`)) break
      }
    }
    if (errors !== undefined && errors.length > MAX_REPORTED_ERRORS) break
  }
  if (errors !== undefined) {
    const shown = errors.slice(0, MAX_REPORTED_ERRORS)
    if (errors.length > MAX_REPORTED_ERRORS) shown.push('(more problems not shown)')
    return callerError(shown.join('; '))
  }
  return { ok: true, batch: { rows: list.length, width, data } }
}

/**
 * Pre-processing of a version: the custom module's `pre` when it has one, else {@link specPre}.
 * A custom result is checked (one row of `input.width` finite numbers per instance) so that a
 * buggy module is a 500 naming the module, never a malformed tensor sent to the model.
 */
export function pre (t: Transform, instances: unknown): PreResult {
  const custom = t.custom
  if (custom?.pre === undefined) return specPre(t, instances)
  const bad = checkInstances(t, instances)
  if (bad !== undefined) return bad
  let out: unknown
  try {
    out = custom.pre(instances as unknown[], custom.ctx)
  } catch (err) {
    return { ok: false, fault: 'transform', error: `custom pre (${custom.file}) threw: ${(err as Error)?.message ?? String(err)}` }
  }
  const n = (instances as unknown[]).length
  const fail = (what: string): TransformFailure => ({ ok: false, fault: 'transform', error: `custom pre (${custom.file}) ${what}` })
  if (Array.isArray(out)) return rowsToBatch(out, n, t.input.width, fail)
  if (typeof out === 'object' && out !== null && 'ok' in out) {
    const r = out as { ok: unknown; batch?: Batch; error?: unknown; fault?: unknown }
    if (r.ok === false) return { ok: false, fault: r.fault === 'transform' ? 'transform' : 'caller', error: String(r.error) }
    if (r.ok === true && r.batch !== undefined) return checkBatch(r.batch, n, t.input.width, fail)
  }
  return fail(`must return rows (number[][]) or a result object, got ${describeValue(out)}`)
}

function rowsToBatch (rows: unknown[], n: number, width: number, fail: (what: string) => TransformFailure): PreResult {
  if (rows.length !== n) return fail(`returned ${rows.length} rows for ${n} instances`)
  const data: number[] = []
  for (let r = 0; r < n; r++) {
    const row = rows[r]
    if (!Array.isArray(row) || row.length !== width) return fail(`returned rows[${r}] with ${Array.isArray(row) ? row.length : 'no'} values; the model input has ${width}`)
    for (let c = 0; c < width; c++) {
      const v: unknown = row[c]
      if (typeof v !== 'number' || !Number.isFinite(v)) return fail(`returned rows[${r}][${c}] = ${describeValue(v)}; values must be finite numbers`)
      data.push(v)
    }
  }
  return { ok: true, batch: { rows: n, width, data } }
}

function checkBatch (batch: Batch, n: number, width: number, fail: (what: string) => TransformFailure): PreResult {
  if (batch.rows !== n || batch.width !== width || !Array.isArray(batch.data) || batch.data.length !== n * width) {
    return fail(`returned a batch of ${batch.rows}x${batch.width}; expected ${n}x${width}`)
  }
  if (!batch.data.every((v) => typeof v === 'number' && Number.isFinite(v))) return fail('returned a batch with values that are not finite numbers')
  return { ok: true, batch }
}
