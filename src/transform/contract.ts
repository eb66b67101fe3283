/**
 * The contract check: does this transform still fit the model behind a version? Compared against
 * the upstream's OIP v2 model metadata (`GET /v2/models/{model}`: name, versions, inputs, outputs
 * with name, datatype and shape, where -1 is a variable dimension). The gateway runs it when a
 * version (re)loads and whenever the metadata changes; a failure marks the version not ready with
 * `reason`, so processing that drifted from its model never produces answers.
 */
import type { Transform } from './types.js'

/** A passed check names the tensors to use: the spec's names, or the upstream's when the spec has none. */
export type ContractResult =
  | { ok: true; input: string; output: string }
  | { ok: false; reason: string; reasons: string[] }

interface TensorMetadata { name: string; datatype: string; shape: number[] }

function isObject (x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

/** Read `inputs`/`outputs` of the metadata, or say why they are not OIP tensor metadata. */
function tensors (metadata: Record<string, unknown>, field: 'inputs' | 'outputs'): TensorMetadata[] | string {
  const list = metadata[field]
  if (!Array.isArray(list) || list.length === 0) return `upstream metadata has no ${field}`
  for (let i = 0; i < list.length; i++) {
    const t: unknown = list[i]
    if (!isObject(t) || typeof t.name !== 'string' || typeof t.datatype !== 'string' || !Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d))) {
      return `upstream metadata ${field}[${i}] is not a tensor { name, datatype, shape }`
    }
  }
  return list as TensorMetadata[]
}

const quoted = (names: readonly string[]): string => names.map((n) => `"${n}"`).join(', ')

/**
 * Pick the tensor the spec means (by name, else the only/first one) and compare datatype and width.
 * Returns the chosen tensor's name and adds any mismatch to `reasons`.
 */
function checkTensor (kind: 'input' | 'output', list: TensorMetadata[], want: Transform['input'] | Transform['output'], what: string, reasons: string[]): string {
  const names = list.map((m) => m.name)
  const label = `${kind} "${want.name ?? list[0]!.name}"`
  let tensor: TensorMetadata | undefined = want.name === undefined ? list[0] : list.find((m) => m.name === want.name)
  if (tensor === undefined) {
    reasons.push(list.length === 1 ? `${label}: upstream expects name "${names[0]}"` : `${label}: upstream has no such ${kind} (it has ${quoted(names)})`)
    // Compare the rest with the only candidate, so one check reports a renamed AND resized tensor.
    if (list.length !== 1) return want.name!
    tensor = list[0]!
  }
  if (tensor.datatype !== want.datatype) reasons.push(`${label}: transform uses datatype ${want.datatype}, upstream expects ${tensor.datatype}`)
  const shape = tensor.shape
  const last = shape[shape.length - 1]
  if (shape.length !== 2) reasons.push(`${label}: upstream shape is [${shape.join(', ')}], the transform needs [batch, ${want.width}]`)
  else if (last !== -1 && last !== want.width) reasons.push(`${kind} width: transform has ${want.width} ${what}, upstream expects ${last}`)
  return tensor.name
}

/**
 * Check a transform against an upstream's model metadata. Every mismatch is listed; `reason` joins
 * them with '; '. A width of -1 (variable) is accepted; a fixed batch dimension is accepted only
 * when it is 1 and the transform allows at most one instance.
 *
 * @example
 * checkContract(v2, await (await fetch(`${url}/v2/models/hit-predictor`)).json())
 * // { ok: false, reason: 'input "song_features": upstream expects name "song_features_v3"; version: transform expects model version "2", upstream lists "3"', ... }
 */
export function checkContract (t: Transform, metadata: unknown): ContractResult {
  if (!isObject(metadata)) return { ok: false, reason: 'upstream metadata is not a JSON object', reasons: ['upstream metadata is not a JSON object'] }
  const reasons: string[] = []
  const inputs = tensors(metadata, 'inputs')
  const outputs = tensors(metadata, 'outputs')
  let input = t.input.name ?? ''
  let output = t.output.name ?? ''
  if (typeof inputs === 'string') reasons.push(inputs)
  else {
    input = checkTensor('input', inputs, t.input, 'features', reasons)
    // The transform sends exactly one tensor; an upstream that needs more would reject every call.
    if (inputs.length > 1) reasons.push(`inputs: upstream expects ${inputs.length} inputs (${quoted(inputs.map((m) => m.name))}), the transform sends one`)
    const shape = inputs.find((m) => m.name === input)?.shape
    const batch = shape?.length === 2 ? shape[0] : undefined
    if (batch !== undefined && batch !== -1 && !(batch === 1 && t.maxInstances === 1)) {
      reasons.push(`input "${input}": upstream takes a fixed batch of ${batch}, the transform sends 1 to ${t.maxInstances} instances${batch === 1 ? ' (set limits.maxInstances: 1)' : ''}`)
    }
  }
  if (typeof outputs === 'string') reasons.push(outputs)
  else output = checkTensor('output', outputs, t.output, 'labels', reasons)
  if (t.version !== undefined) {
    const versions = metadata.versions
    if (!Array.isArray(versions)) reasons.push(`version: transform expects model version "${t.version}", upstream lists no versions`)
    else if (!versions.includes(t.version)) reasons.push(`version: transform expects model version "${t.version}", upstream lists ${versions.length === 0 ? 'none' : quoted(versions.map(String))}`)
  }
  return reasons.length === 0 ? { ok: true, input, output } : { ok: false, reason: reasons.join('; '), reasons }
}
