/**
 * Renders the kustomize overlays with the real `kubectl kustomize` and validates every object against
 * the Kubernetes API schemas, strictly.
 *
 * Two checks, because neither alone is strict: the `kubernetes-models` validators (JSON Schema from
 * the API's OpenAPI document: types, required fields, formats, enums) accept unknown fields, as the
 * OpenAPI schemas carry no `additionalProperties: false`. The same package's TypeScript interfaces
 * list every field, so each object is also compiled as a typed object literal: TypeScript's excess
 * property check reports a field the API does not have (`readinesProbe`) at any depth, as the API
 * server's strict field validation (kubectl --validate=strict) would.
 */
import { execFile } from 'node:child_process'
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import ts from 'typescript'
import { parseAllDocuments } from 'yaml'
import { ROOT } from '../helpers/cli.js'

export interface K8sObject { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [field: string]: unknown }

const run = promisify(execFile)

/** The renderable overlays: every directory of k8s/overlays holding a Kustomization (a Component is not one). */
export function overlays (): string[] {
  const dir = join(ROOT, 'k8s', 'overlays')
  return readdirSync(dir).filter((name) => {
    const file = join(dir, name, 'kustomization.yaml')
    return existsSync(file) && !/^kind:\s*Component\s*$/m.test(readFileSync(file, 'utf8'))
  }).sort()
}

/** `kubectl kustomize DIR`, parsed. Throws with kubectl's stderr on a render error. */
export async function render (dir: string): Promise<K8sObject[]> {
  const { stdout } = await run('kubectl', ['kustomize', dir], { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 })
  return parseAllDocuments(stdout).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${dir}: ${doc.errors[0]?.message}`)
    return doc.toJS() as K8sObject
  })
}

/** Module and interface of an object's type: `apps/v1` + `Deployment` -> kubernetes-models/apps/v1/Deployment, IDeployment. */
function modelOf (obj: K8sObject): { module: string; type: string } {
  const pkg = obj.apiVersion.startsWith('monitoring.coreos.com/') ? '@kubernetes-models/prometheus-operator' : 'kubernetes-models'
  return { module: `${pkg}/${obj.apiVersion}/${obj.kind}`, type: `I${obj.kind}` }
}

const describe = (obj: K8sObject): string => `${obj.kind}/${obj.metadata?.name}`

/** JSON Schema validation (kubernetes-models `validate()`): one message per invalid object. */
export async function schemaErrors (objects: K8sObject[]): Promise<string[]> {
  const errors: string[] = []
  for (const obj of objects) {
    const { module } = modelOf(obj)
    let Model: new (data: unknown) => { validate (): void }
    try {
      Model = (await import(module) as Record<string, new (data: unknown) => { validate (): void }>)[obj.kind]!
    } catch {
      errors.push(`${describe(obj)}: no schema for ${obj.apiVersion} ${obj.kind}`)
      continue
    }
    try { new Model(obj).validate() } catch (err) { errors.push(`${describe(obj)}: ${(err as Error).message}`) }
  }
  return errors
}

/**
 * Fields the API does not know, found by TypeScript's excess property check: for each named group of
 * objects, one message per diagnostic. Groups share one compilation (loading the type declarations is
 * most of the cost), so check everything in one call.
 */
export function unknownFieldErrors (groups: Record<string, K8sObject[]>): Record<string, string[]> {
  // Virtual files inside test/k8s so that `kubernetes-models` resolves from the repo's node_modules.
  const files = new Map<string, { group: string; obj: K8sObject; text: string }>()
  for (const [group, objects] of Object.entries(groups)) {
    objects.forEach((obj, i) => {
      const { module, type } = modelOf(obj)
      files.set(join(ROOT, 'test', 'k8s', `__${group}_${i}.ts`), { group, obj, text: `import type { ${type} } from '${module}'\nexport const o: ${type} = ${JSON.stringify(obj, null, 1)}\n` })
    })
  }
  const options: ts.CompilerOptions = { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2023, strict: true, noEmit: true, skipLibCheck: true, types: [] }
  const host = ts.createCompilerHost(options)
  const { getSourceFile, fileExists, readFile } = host
  host.getSourceFile = (name, lang, onError) => files.has(name) ? ts.createSourceFile(name, files.get(name)!.text, lang) : getSourceFile.call(host, name, lang, onError)
  host.fileExists = (name) => files.has(name) || fileExists.call(host, name)
  host.readFile = (name) => files.get(name)?.text ?? readFile.call(host, name)
  const program = ts.createProgram([...files.keys()], options, host)
  const errors = Object.fromEntries(Object.keys(groups).map((g) => [g, [] as string[]]))
  for (const d of program.getSemanticDiagnostics()) {
    const file = files.get(d.file?.fileName ?? '')
    const message = ts.flattenDiagnosticMessageText(d.messageText, ' ')
    if (file === undefined) throw new Error(`schema check: ${message}`)
    errors[file.group]!.push(`${describe(file.obj)}: ${message}`)
  }
  return errors
}

