/**
 * Open Inference Protocol (KServe v2 REST) request shapes and their validation at the gateway,
 * so that a malformed request gets a 400 naming the problem and never reaches an upstream.
 * Spec: https://kserve.github.io/website/latest/modelserving/data_plane/v2_protocol/ (tensor data
 * is row-major; nested arrays are accepted as KServe's servers do).
 */

export const DATATYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'] as const
export type Datatype = typeof DATATYPES[number]
const DATATYPE_SET: ReadonlySet<string> = new Set(DATATYPES)

export interface InferInput {
  name: string
  shape: number[]
  datatype: Datatype
  data: unknown[]
  parameters?: Record<string, unknown>
}

export interface InferRequest {
  id?: string
  parameters?: Record<string, unknown>
  inputs: InferInput[]
  outputs?: { name: string; parameters?: Record<string, unknown> }[]
}

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string }

const INT_RANGE: Record<string, [number, number]> = {
  UINT8: [0, 255],
  UINT16: [0, 65535],
  UINT32: [0, 4294967295],
  UINT64: [0, Number.MAX_SAFE_INTEGER],
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  INT32: [-2147483648, 2147483647],
  INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER]
}

export function isPlainObject (x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

/** Validate an OIP v2 inference request body (already JSON-parsed). */
export function checkInferRequest (body: unknown): Checked<InferRequest> {
  if (!isPlainObject(body)) return fail('(body)', 'must be a JSON object with an "inputs" array')
  if (body.id !== undefined && typeof body.id !== 'string') return fail('id', 'must be a string')
  if (body.parameters !== undefined && !isPlainObject(body.parameters)) return fail('parameters', 'must be an object')
  const inputs = body.inputs
  if (!Array.isArray(inputs)) return fail('inputs', inputs === undefined ? 'is required' : 'must be an array')
  if (inputs.length === 0) return fail('inputs', 'must not be empty')
  for (let i = 0; i < inputs.length; i++) {
    const error = checkInput(inputs[i], `inputs[${i}]`)
    if (error !== undefined) return { ok: false, error }
  }
  if (body.outputs !== undefined) {
    if (!Array.isArray(body.outputs)) return fail('outputs', 'must be an array')
    for (let i = 0; i < body.outputs.length; i++) {
      const o: unknown = body.outputs[i]
      if (!isPlainObject(o) || typeof o.name !== 'string') return fail(`outputs[${i}].name`, 'must be a string')
    }
  }
  return { ok: true, value: body as unknown as InferRequest }
}

function checkInput (input: unknown, at: string): string | undefined {
  if (!isPlainObject(input)) return `${at}: must be an object with name, shape, datatype and data`
  if (typeof input.name !== 'string' || input.name === '') return `${at}.name: must be a non-empty string`
  const shape = input.shape
  if (!Array.isArray(shape)) return `${at}.shape: must be an array of non-negative integers`
  let expected = 1
  for (let d = 0; d < shape.length; d++) {
    const dim: unknown = shape[d]
    if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < 0) return `${at}.shape[${d}]: must be a non-negative integer, got ${JSON.stringify(dim)}`
    expected *= dim
  }
  if (typeof input.datatype !== 'string' || !DATATYPE_SET.has(input.datatype)) {
    return `${at}.datatype: must be one of ${DATATYPES.join(', ')}, got ${JSON.stringify(input.datatype)}`
  }
  if (!Array.isArray(input.data)) return `${at}.data: must be an array`
  if (input.parameters !== undefined && !isPlainObject(input.parameters)) return `${at}.parameters: must be an object`
  const walk = { count: 0, error: undefined as string | undefined }
  checkData(input.data, input.datatype, `${at}.data`, walk)
  if (walk.error !== undefined) return walk.error
  if (walk.count !== expected) return `${at}: shape [${shape.join(', ')}] holds ${expected} elements but data has ${walk.count}`
  return undefined
}

/** Walk (possibly nested) row-major data, counting elements and checking each against the datatype. */
function checkData (data: unknown[], datatype: string, at: string, walk: { count: number; error: string | undefined }): void {
  for (let i = 0; i < data.length && walk.error === undefined; i++) {
    const x = data[i]
    if (Array.isArray(x)) {
      checkData(x, datatype, `${at}[${i}]`, walk)
      continue
    }
    walk.count++
    const problem = elementProblem(x, datatype)
    if (problem !== undefined) walk.error = `${at}[${i}]: ${problem}`
  }
}

function elementProblem (x: unknown, datatype: string): string | undefined {
  switch (datatype) {
    case 'BOOL':
      return typeof x === 'boolean' ? undefined : `must be a boolean for BOOL, got ${JSON.stringify(x)}`
    case 'BYTES':
      return typeof x === 'string' ? undefined : `must be a string for BYTES, got ${JSON.stringify(x)}`
    case 'FP16':
    case 'FP32':
    case 'FP64':
      return typeof x === 'number' && Number.isFinite(x) ? undefined : `must be a finite number for ${datatype}, got ${describe(x)}`
    default: {
      const [lo, hi] = INT_RANGE[datatype]!
      if (typeof x !== 'number' || !Number.isInteger(x)) return `must be an integer for ${datatype}, got ${describe(x)}`
      return x < lo || x > hi ? `out of range for ${datatype}: ${x}` : undefined
    }
  }
}

export function describe (x: unknown): string {
  if (typeof x === 'number') return String(x)
  if (x === null) return 'null'
  if (typeof x === 'string') return `string ${JSON.stringify(x.length > 40 ? x.slice(0, 40) + '...' : x)}`
  return Array.isArray(x) ? 'an array' : typeof x
}

function fail (where: string, what: string): { ok: false; error: string } {
  return { ok: false, error: `${where}: ${what}` }
}
