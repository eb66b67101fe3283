/**
 * KServe v1 in front of an OIP-only upstream (a version with `protocol: v2`): number-array
 * `instances` become one OIP tensor, and the OIP answer goes back as v1 `predictions`. And the
 * tensor check both protocols share: a tensor whose shape contradicts what the upstream's metadata
 * (read by the readiness probe) declares is refused here, with a 400 naming both shapes, instead of
 * reaching the model. Pure: no reply, no I/O.
 */
import { errors } from '../errors.js'
import type { InferInput } from '../protocol/oip.js'
import { rowsFromOipOutput } from '../protocol/rows.js'
import type { VersionRuntime } from '../runtime/snapshot.js'

interface DeclaredInput { name?: unknown; datatype?: unknown; shape?: unknown }

/** The inputs the upstream's metadata declares (empty when it declared none or was not read). */
function declaredInputs (version: VersionRuntime): DeclaredInput[] {
  const inputs = (version.readiness.metadata as { inputs?: unknown } | undefined)?.inputs
  return Array.isArray(inputs) ? inputs.filter((i): i is DeclaredInput => typeof i === 'object' && i !== null) : []
}

/** The OIP request body for v1 number-array instances (rows of equal width, already validated). */
export function tensorFromInstances (version: VersionRuntime, instances: number[][], id: string): { body: Buffer; input: Pick<InferInput, 'name' | 'shape'> } {
  const declared = declaredInputs(version)[0]
  const input = {
    name: typeof declared?.name === 'string' ? declared.name : 'input',
    datatype: typeof declared?.datatype === 'string' ? declared.datatype : 'FP32',
    shape: [instances.length, instances[0]!.length],
    data: instances.flat()
  }
  return { body: Buffer.from(JSON.stringify({ id, inputs: [input] })), input }
}

/**
 * Refuse (400) a tensor whose shape the upstream's metadata contradicts: another rank, or another
 * size in a dimension the metadata fixes (-1 is any; the batch dimension is the caller's).
 * Matched by name, or the only input to the only declared one.
 */
export function checkTensorShape (modelName: string, version: VersionRuntime, inputs: readonly Pick<InferInput, 'name' | 'shape'>[]): void {
  const declared = declaredInputs(version)
  for (const input of inputs) {
    const d = declared.find((x) => x.name === input.name) ?? (declared.length === 1 && inputs.length === 1 ? declared[0] : undefined)
    if (d === undefined || !Array.isArray(d.shape)) continue
    const want = d.shape as unknown[]
    const fits = want.length === input.shape.length && want.every((n, i) => i === 0 || typeof n !== 'number' || n < 0 || n === input.shape[i])
    if (!fits) throw errors.tensorShape(modelName, version.name, input.name, input.shape, want)
  }
}

/** The v1 answer for an OIP answer; undefined when the answer has no readable output tensor. */
export function predictionsFromOip (answer: unknown): string | undefined {
  const rows = rowsFromOipOutput(answer)
  return rows.ok ? JSON.stringify({ predictions: rows.rows }) : undefined
}
