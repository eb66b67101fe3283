/**
 * The field table of docs/transforms.md, generated from the spec schema's descriptions so the docs
 * cannot drift from the validator (test/transform/docs.test.ts compares the two).
 */
import { z } from 'zod'
import { TransformSpecSchema } from './spec.js'

interface JsonSchema {
  type?: string | string[]
  description?: string
  default?: unknown
  properties?: Record<string, JsonSchema>
  required?: string[]
  items?: JsonSchema
  enum?: unknown[]
  const?: unknown
  pattern?: string
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  minItems?: number
}

/** A short type for the table: `FP32 \| FP64`, `integer >= 1`, `number > 0`, `list`. */
function typeOf (s: JsonSchema): string {
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``
  if (s.enum !== undefined) return s.enum.map((v) => `\`${String(v)}\``).join(' \\| ')
  let type = Array.isArray(s.type) ? s.type.join(' \\| ') : s.type ?? 'any'
  if (type === 'array') type = s.items?.type === 'object' ? 'list' : `list of ${typeOf(s.items ?? {})}`
  const max = s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER ? s.maximum : undefined
  if (s.minimum !== undefined && max !== undefined) return `${type} ${s.minimum} to ${max}`
  if (s.minimum !== undefined) return `${type} >= ${s.minimum}`
  if (s.exclusiveMinimum !== undefined) return `${type} > ${s.exclusiveMinimum}`
  return type
}

function rows (s: JsonSchema, prefix: string, required: boolean, out: string[]): void {
  if (prefix !== '') {
    const dflt = s.default === undefined ? (required ? 'required' : '') : `\`${JSON.stringify(s.default)}\``
    out.push(`| \`${prefix}\` | ${typeOf(s)} | ${dflt} | ${(s.description ?? '').replaceAll('|', '\\|')} |`)
  }
  const object = s.type === 'array' ? s.items : s
  if (object?.properties === undefined) return
  const base = s.type === 'array' ? `${prefix}[]` : prefix
  for (const [key, child] of Object.entries(object.properties)) {
    rows(child, base === '' ? key : `${base}.${key}`, object.required?.includes(key) ?? false, out)
  }
}

/**
 * The markdown table of every spec field: path, type, default (or `required`), meaning.
 *
 * @example
 * specFieldsMarkdown().split('\n')[2] // '| `schemaVersion` | `1` | required | Transform spec format version. Must be 1. |'
 */
export function specFieldsMarkdown (): string {
  const schema = z.toJSONSchema(TransformSpecSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema
  const out = ['| field | type | default | meaning |', '|---|---|---|---|']
  rows(schema, '', true, out)
  return out.join('\n')
}
