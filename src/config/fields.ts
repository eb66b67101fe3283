/**
 * The field names the schema allows at a place in the document, for "did you mean" on an unknown
 * field: `models.hit-predictor.versions.v2` -> `url, weight, mirror, ...`. Walks the zod schema itself,
 * so a field added to schema.ts is suggested without a list to keep in step.
 */
import type { z } from 'zod'
import { ConfigSchema } from './schema.js'

/** The parts of zod's schema definitions this walk reads. */
interface Def {
  type: string
  shape?: Record<string, z.ZodType>
  valueType?: z.ZodType
  innerType?: z.ZodType
  element?: z.ZodType
  options?: z.ZodType[]
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def

/** Through `.default()`, `.prefault()`, `.optional()`, `.nullable()` to the schema that has fields. */
function unwrap (schema: z.ZodType): z.ZodType {
  let s = schema
  for (let def = defOf(s); def.innerType !== undefined; def = defOf(s)) s = def.innerType
  return s
}

/** The schemas a key leads to: an object's field, a record's or array's value, each union member's field. */
function step (schema: z.ZodType, key: PropertyKey): z.ZodType[] {
  const def = defOf(unwrap(schema))
  if (def.type === 'object') return def.shape?.[String(key)] === undefined ? [] : [def.shape[String(key)]!]
  if (def.type === 'record' && def.valueType !== undefined) return [def.valueType]
  if (def.type === 'array' && def.element !== undefined) return [def.element]
  if (def.type === 'union') return (def.options ?? []).flatMap((o) => step(o, key))
  return []
}

function fieldsOf (schema: z.ZodType): string[] {
  const def = defOf(unwrap(schema))
  if (def.type === 'object') return Object.keys(def.shape ?? {})
  if (def.type === 'union') return [...new Set((def.options ?? []).flatMap(fieldsOf))]
  return []
}

/**
 * Field names allowed in the object at `path` (empty when the path leads to no object).
 *
 * @example knownFieldsAt(['models', 'm', 'versions', 'v2']) // ['url', 'weight', 'mirror', ...]
 */
export function knownFieldsAt (path: readonly PropertyKey[], schema: z.ZodType = ConfigSchema): string[] {
  let at: z.ZodType[] = [schema]
  for (const key of path) at = at.flatMap((s) => step(s, key))
  return [...new Set(at.flatMap(fieldsOf))]
}
