/**
 * The field table of docs/config.md, rendered from the schema (STYLE habit 1: one schema is the
 * source of the types, the validator and the docs). It walks the schema's JSON Schema, in input
 * form so that defaults show as a user writes them, rather than zod internals.
 * test/config/docs.test.ts fails when the committed table differs, and rewrites it on request.
 */
import { z } from 'zod'
import { ConfigSchema, RELOAD } from './schema.js'

/** The markers around the generated table in docs/config.md. */
export const TABLE_BEGIN = '<!-- BEGIN config-fields: generated from src/config/schema.ts; edit the .describe() texts there, not this table -->'
export const TABLE_END = '<!-- END config-fields -->'

/** One row of the table. */
export interface FieldRow {
  path: string
  type: string
  default: string
  meaning: string
}

/** The part of JSON Schema that zod emits for this config. */
interface Node {
  type?: string
  const?: unknown
  default?: unknown
  description?: string
  minimum?: number
  maximum?: number
  properties?: Record<string, Node>
  required?: string[]
  additionalProperties?: Node | boolean
  oneOf?: Node[]
  anyOf?: Node[]
}

/**
 * Every field of the schema, parents before children. Records show their key as a placeholder
 * (`models.<model>`); discriminated unions give a row to the discriminator and mark each variant's
 * fields with the variant they belong to (`(store \`redis\`) ...`).
 */
export function configFieldRows (schema: z.ZodType = ConfigSchema): FieldRow[] {
  const root = z.toJSONSchema(schema, { io: 'input' }) as Node
  const rows: FieldRow[] = []
  walkChildren(root, '', rows, '')
  return rows
}

/**
 * The markdown table of every config field: path, type, default, meaning.
 *
 * @example
 * renderConfigTable().split('\n')[2] // '| `schemaVersion` | `1` | **required** | Config format version. Must be 1. |'
 */
export function renderConfigTable (schema: z.ZodType = ConfigSchema): string {
  const cell = (s: string) => s.replaceAll('|', '\\|')
  const lines = ['| Field | Type | Default | Meaning |', '| --- | --- | --- | --- |']
  for (const r of configFieldRows(schema)) lines.push(`| \`${r.path}\` | ${cell(r.type)} | ${cell(r.default)} | ${cell(r.meaning)} |`)
  return lines.join('\n')
}

/**
 * Put a freshly rendered table between the markers of a document.
 * @throws Error when the markers are missing or out of order
 */
export function replaceConfigTable (doc: string, table: string): string {
  const begin = doc.indexOf(TABLE_BEGIN)
  const end = doc.indexOf(TABLE_END)
  if (begin < 0 || end < begin) throw new Error(`the document needs the markers ${TABLE_BEGIN} and ${TABLE_END}, in that order`)
  return `${doc.slice(0, begin + TABLE_BEGIN.length)}\n\n${table}\n\n${doc.slice(end)}`
}

function walkChildren (node: Node, path: string, rows: FieldRow[], condition: string): void {
  const at = (key: string) => (path === '' ? key : `${path}.${key}`)
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    walk(child, at(key), (node.required ?? []).includes(key), rows, condition)
  }
  if (typeof node.additionalProperties === 'object') {
    // `models` -> `<model>`, `versions` -> `<version>`: the record's key, named after its field.
    const key = `<${(path.split('.').pop() ?? 'key').replace(/s$/, '')}>`
    walk(node.additionalProperties, at(key), false, rows, condition)
  }
  const variants = node.oneOf ?? node.anyOf
  if (variants !== undefined) walkVariants(node, variants, path, rows, condition)
}

/** What an edit of a top-level section does to a running gateway, from RELOAD beside the schema. */
const RELOAD_NOTE = { hot: '**Hot reload**: an edit is applied at once.', restart: '**Static**: an edit takes effect at the next start.' } as const

function walk (node: Node, path: string, required: boolean, rows: FieldRow[], condition: string): void {
  const reload = (RELOAD as Record<string, keyof typeof RELOAD_NOTE | undefined>)[path]
  const note = reload === undefined ? '' : ` ${RELOAD_NOTE[reload]}`
  rows.push({ path, type: typeOf(node), default: defaultOf(node, required), meaning: condition + (node.description ?? '') + note })
  walkChildren(node, path, rows, condition)
}

/** A union of objects told apart by one constant field: a row for that field, then each variant's fields. */
function walkVariants (union: Node, variants: Node[], path: string, rows: FieldRow[], condition: string): void {
  const first = variants[0]?.properties ?? {}
  const disc = Object.keys(first).find((k) => variants.every((v) => v.properties?.[k]?.const !== undefined))
  if (disc === undefined) throw new Error(`${path}: only unions of objects with a constant discriminator can be documented`)
  const value = (v: Node) => String(v.properties?.[disc]?.const)
  const fallback = (union.default as Record<string, unknown> | undefined)?.[disc]
  rows.push({
    path: `${path}.${disc}`,
    type: variants.map((v) => `\`${value(v)}\``).join(' or '),
    default: fallback === undefined ? '**required**' : `\`${String(fallback)}\``,
    meaning: condition + variants.map((v) => `\`${value(v)}\`: ${v.description ?? ''}`).join(' ')
  })
  for (const v of variants) {
    const { [disc]: _discriminator, ...fields } = v.properties ?? {}
    walkChildren({ ...v, properties: fields, oneOf: undefined, anyOf: undefined }, path, rows, `${condition}(${disc} \`${value(v)}\`) `)
  }
}

function typeOf (node: Node): string {
  if (node.const !== undefined) return `\`${JSON.stringify(node.const)}\``
  if (node.oneOf !== undefined || node.anyOf !== undefined) return 'object'
  if (typeof node.additionalProperties === 'object') return 'map'
  const type = node.type ?? 'any'
  const min = node.minimum
  // zod writes Number.MAX_SAFE_INTEGER as the maximum of every int(); it means "no maximum".
  const max = node.maximum === Number.MAX_SAFE_INTEGER ? undefined : node.maximum
  if (min !== undefined && max !== undefined) return `${type}, ${min} to ${max}`
  if (min !== undefined) return `${type} >= ${min}`
  if (max !== undefined) return `${type} <= ${max}`
  return type
}

function defaultOf (node: Node, required: boolean): string {
  if (node.default === undefined) return required ? '**required**' : '—'
  if (typeof node.default === 'object' && node.default !== null && Object.keys(node.default).length === 0) return "fields' defaults"
  return `\`${flow(node.default)}\``
}

/** A default as it would be written in the YAML file: `{ store: file, path: ./headliner-state.json }`. */
function flow (value: unknown): string {
  if (typeof value === 'object' && value !== null) {
    return `{ ${Object.entries(value).map(([k, v]) => `${k}: ${flow(v)}`).join(', ')} }`
  }
  return String(value)
}
