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
  return checkData(input.data, shape as number[], input.datatype, at, expected)
}

/**
 * Check (possibly nested) row-major data without recursion, so that no depth of nesting can overflow
 * the stack: it may be nested at most as deep as the shape has dimensions (flat is always fine), every
 * level must be a regular array (no jagged rows), the nested dimensions must be the shape's leading
 * dimensions (the last nested level holds the rest, row-major), and each element must fit the datatype.
 */
function checkData (data: unknown[], shape: number[], datatype: string, input: string, expected: number): string | undefined {
  const at = `${input}.data`
  const regular = `data must be a regular array for shape [${shape.join(', ')}]`
  // The dimensions as nested, read down the first elements; bounded by the shape's rank.
  const dims: number[] = []
  const maxDepth = Math.max(shape.length, 1)
  for (let x: unknown = data; Array.isArray(x); x = x[0]) {
    if (dims.length === maxDepth) return `${at}${'[0]'.repeat(dims.length)}: nested deeper than the shape [${shape.join(', ')}]`
    dims.push(x.length)
  }
  const last = dims.length - 1
  const arrays: unknown[][] = [data]
  const index: number[] = [0]
  const pathTo = (depth: number) => at + index.slice(0, depth).map((i) => `[${i}]`).join('')
  while (arrays.length > 0) {
    const level = arrays.length - 1
    const arr = arrays[level]!
    if (index[level] === 0 && arr.length !== dims[level]) {
      const jagged = `${pathTo(level)}: has ${arr.length} elements but data${'[0]'.repeat(level)} has ${dims[level]}`
      // Lead with the element count when it is wrong too: that is the caller's first mistake.
      const count = countElements(data)
      return count === expected ? `${jagged} (${regular})` : `${input}: shape [${shape.join(', ')}] holds ${expected} elements but data has ${count} (${jagged})`
    }
    if (level < last) {
      const i = index[level]!
      if (i < arr.length) {
        const item = arr[i]
        if (!Array.isArray(item)) return `${pathTo(level + 1)}: must be an array like data${'[0]'.repeat(level + 1)} (${regular})`
        arrays.push(item)
        index.push(0)
        continue
      }
    } else {
      for (let i = 0; i < arr.length; i++) {
        const x = arr[i]
        index[level] = i
        const problem = Array.isArray(x) ? `nested deeper than data${'[0]'.repeat(level + 1)} (${regular})` : elementProblem(x, datatype)
        if (problem !== undefined) return `${pathTo(level + 1)}: ${problem}`
      }
    }
    arrays.pop()
    index.pop()
    if (level > 0) index[level - 1]!++
  }
  if (dims.length === 1) {
    return dims[0] === expected ? undefined : `${input}: shape [${shape.join(', ')}] holds ${expected} elements but data has ${dims[0]}`
  }
  // Nested: the leading dimensions are the shape's; the innermost level holds the remaining ones.
  let rest = 1
  for (let d = last; d < shape.length; d++) rest *= shape[d]!
  const matches = dims.every((n, d) => d === last ? n === rest : n === shape[d])
  return matches ? undefined : `${at}: nested as [${dims.join(', ')}] but the shape is [${shape.join(', ')}]`
}

/** Non-array elements of nested data, counted without recursion. */
function countElements (data: unknown[]): number {
  let count = 0
  const stack: unknown[][] = [data]
  while (stack.length > 0) {
    for (const x of stack.pop()!) {
      if (Array.isArray(x)) stack.push(x)
      else count++
    }
  }
  return count
}

/** Largest finite values (IEEE 754 binary16 and binary32): a larger number would arrive as infinity. */
const FLOAT_MAX: Record<string, number> = { FP16: 65504, FP32: 3.4028234663852886e38, FP64: Number.MAX_VALUE }

function elementProblem (x: unknown, datatype: string): string | undefined {
  switch (datatype) {
    case 'BOOL':
      return typeof x === 'boolean' ? undefined : `must be a boolean for BOOL, got ${JSON.stringify(x)}`
    case 'BYTES':
      return typeof x === 'string' ? undefined : `must be a string for BYTES, got ${JSON.stringify(x)}`
    case 'FP16':
    case 'FP32':
    case 'FP64':
      if (typeof x !== 'number' || !Number.isFinite(x)) return `must be a finite number for ${datatype}, got ${describe(x)}`
      return Math.abs(x) > FLOAT_MAX[datatype]! ? `${x} overflows ${datatype} (largest finite value ${FLOAT_MAX[datatype]})` : undefined
    default: {
      const [lo, hi] = INT_RANGE[datatype]!
      if (typeof x !== 'number' || !Number.isInteger(x)) return `must be an integer for ${datatype}, got ${describe(x)}`
      if (x >= lo && x <= hi) return undefined
      // Past 2^53 a JSON number is rounded when parsed: quoting it would show a value the caller never sent.
      if ((datatype === 'INT64' || datatype === 'UINT64') && Math.abs(x) < 2 ** 64 && !(datatype === 'UINT64' && x < 0)) {
        return `${datatype} value cannot be represented exactly: integers beyond ${lo === 0 ? '' : '±'}${hi} (2^53-1) lose precision in JSON (this one parses as about ${x}); send smaller values`
      }
      return `out of range for ${datatype}: ${x}`
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
