import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import { Readable } from 'node:stream'
import { Client, request } from 'undici'
import { createHitModel } from '../../src/demo/hit-model.js'
import { MAX_BODY_BYTES, startModelServer, type RunningModelServer } from '../../src/demo/model-server.js'

const ROWS = [
  [0.7, 0.8, 5, -6, 1, 0.05, 0.1, 0, 0.1, 0.6, 120, 200_000],
  [0.4, 0.3, 0, -12, 0, 0.03, 0.8, 0.6, 0.2, 0.2, 80, 320_000],
  [0.9, 0.9, 11, -3, 1, 0.3, 0.02, 0, 0.35, 0.9, 170, 150_000]
]

function infer (rows: number[][], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...extra, inputs: [{ name: 'song_features', shape: [rows.length, 12], datatype: 'FP32', data: rows.flat() }] })
}

async function call (server: RunningModelServer, method: 'GET' | 'POST' | 'PUT', path: string, body?: string): Promise<{ status: number; json: Record<string, unknown>; headers: Record<string, unknown> }> {
  const res = await request(`${server.url}${path}`, { method, body, headers: { 'content-type': 'application/json' } })
  const text = await res.body.text()
  return { status: res.statusCode, json: JSON.parse(text) as Record<string, unknown>, headers: res.headers }
}

function expectClose (actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length)
  // The server prints 6 significant digits: relative error <= 5e-6 per value.
  actual.forEach((p, i) => expect(Math.abs(p - (expected[i] as number))).toBeLessThanOrEqual(5e-6 * (expected[i] as number) + 1e-15))
}

describe('model server (v1) over a real socket', () => {
  let server: RunningModelServer
  beforeAll(async () => { server = await startModelServer({ version: 'v1' }) })
  afterAll(async () => { await server.close() })

  it('listens on an OS-chosen port on loopback', () => {
    expect(server.port).toBeGreaterThan(0)
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`)
    expect(server.version).toBe('v1')
  })

  it('answers OIP health, server metadata and model metadata', async () => {
    expect(await call(server, 'GET', '/v2/health/live')).toMatchObject({ status: 200, json: { live: true } })
    expect(await call(server, 'GET', '/v2/health/ready')).toMatchObject({ status: 200, json: { ready: true } })
    expect(await call(server, 'GET', '/v2')).toMatchObject({ status: 200, json: { name: 'headliner-demo', extensions: [] } })
    const metadata = {
      name: 'hit-predictor',
      versions: ['1'],
      platform: 'headliner-demo',
      inputs: [{ name: 'song_features', datatype: 'FP32', shape: [-1, 12] }],
      outputs: [{ name: 'country_probabilities', datatype: 'FP32', shape: [-1, 72] }]
    }
    expect(await call(server, 'GET', '/v2/models/hit-predictor')).toEqual({ status: 200, json: metadata, headers: expect.objectContaining({ 'content-type': 'application/json' }) })
    expect((await call(server, 'GET', '/v2/models/hit-predictor/versions/anything')).json).toEqual(metadata)
    expect(await call(server, 'GET', '/v2/models/hit-predictor/ready')).toMatchObject({ status: 200, json: { name: 'hit-predictor', ready: true } })
    expect(await call(server, 'GET', '/v1/models/hit-predictor')).toMatchObject({ status: 200, json: { name: 'hit-predictor', ready: true } })
  })

  it('infers a batch of 3 (OIP v2), echoing the id, with the model\'s own probabilities', async () => {
    const { status, json } = await call(server, 'POST', '/v2/models/hit-predictor/infer', infer(ROWS, { id: 'req-42' }))
    expect(status).toBe(200)
    expect(json).toMatchObject({ model_name: 'hit-predictor', model_version: '1', id: 'req-42' })
    const [output] = json.outputs as { name: string; datatype: string; shape: number[]; data: number[] }[]
    expect(output).toMatchObject({ name: 'country_probabilities', datatype: 'FP32', shape: [3, 72] })
    expect(output?.data).toHaveLength(216)
    const expected = createHitModel('v1').predict(ROWS)
    for (let r = 0; r < 3; r++) {
      const row = (output?.data ?? []).slice(r * 72, (r + 1) * 72)
      expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5)
      expectClose(row, expected[r] as number[])
    }
  })

  it('infers on the versioned path and leaves out the id when none was sent', async () => {
    const { status, json } = await call(server, 'POST', '/v2/models/hit-predictor/versions/1/infer?x=1', infer(ROWS.slice(0, 1)))
    expect(status).toBe(200)
    expect('id' in json).toBe(false)
  })

  it('predicts (KServe v1)', async () => {
    const { status, json } = await call(server, 'POST', '/v1/models/hit-predictor:predict', JSON.stringify({ instances: ROWS.slice(0, 2) }))
    expect(status).toBe(200)
    const predictions = json.predictions as number[][]
    expect(predictions).toHaveLength(2)
    const expected = createHitModel('v1').predict(ROWS.slice(0, 2))
    predictions.forEach((p, i) => expectClose(p, expected[i] as number[]))
  })

  it.each([
    ['bad JSON', '/v2/models/hit-predictor/infer', '{"inputs": [', /^request body is not valid JSON: /],
    ['missing inputs', '/v2/models/hit-predictor/infer', '{}', /^inputs: expected a non-empty array/],
    ['wrong width', '/v2/models/hit-predictor/infer', JSON.stringify({ inputs: [{ name: 'x', shape: [1, 11], datatype: 'FP32', data: ROWS[0]?.slice(1) }] }), /^inputs\[0\]\.shape: expected \[N, 12\], got \[1, 11\]$/],
    ['wrong datatype', '/v2/models/hit-predictor/infer', JSON.stringify({ inputs: [{ name: 'x', shape: [1, 12], datatype: 'BYTES', data: ROWS[0] }] }), /^inputs\[0\]\.datatype: expected FP32 or FP64, got "BYTES"$/],
    ['shape product != data length', '/v2/models/hit-predictor/infer', JSON.stringify({ inputs: [{ name: 'x', shape: [3, 12], datatype: 'FP32', data: ROWS.slice(0, 2).flat() }] }), /^inputs\[0\]\.data: shape \[3, 12\] needs 36 values, got 24$/],
    ['non-finite number', '/v2/models/hit-predictor/infer', '{"inputs":[{"name":"x","shape":[1,12],"datatype":"FP32","data":[1,1,1,1,1,1,1,1,1,1,1,-1e400]}]}', /^inputs\[0\]\.data\[11\]: expected a finite number, got -Infinity$/],
    ['empty batch', '/v2/models/hit-predictor/infer', infer([]), /batch is empty/],
    ['batch > 1024', '/v2/models/hit-predictor/infer', infer(Array.from({ length: 1025 }, () => ROWS[0] as number[])), /batch of 1025 rows is over the limit of 1024/],
    ['missing instances', '/v1/models/hit-predictor:predict', '{"inputs":[]}', /^instances: expected an array of rows/],
    ['v1 wrong width', '/v1/models/hit-predictor:predict', JSON.stringify({ instances: [[1, 2, 3]] }), /^instances\[0\]: expected an array of 12 numbers, got 3 values$/],
    ['v1 empty batch', '/v1/models/hit-predictor:predict', '{"instances":[]}', /batch is empty/],
    ['v1 bad JSON', '/v1/models/hit-predictor:predict', 'instances', /^request body is not valid JSON/]
  ])('answers 400 naming the problem for %s', async (_label, path, body, message) => {
    const { status, json } = await call(server, 'POST', path, body)
    expect(status).toBe(400)
    expect(json.error).toMatch(message)
  })

  it('answers 404 JSON for an unknown model on every model path, and for an unknown path', async () => {
    for (const [method, path] of [
      ['GET', '/v2/models/other'], ['GET', '/v2/models/other/ready'], ['POST', '/v2/models/other/infer'],
      ['POST', '/v2/models/other/versions/1/infer'], ['GET', '/v1/models/other'], ['POST', '/v1/models/other:predict']
    ] as const) {
      const { status, json } = await call(server, method, path, method === 'POST' ? infer(ROWS) : undefined)
      expect(status).toBe(404)
      expect(json.error).toBe('unknown model "other"; this server serves "hit-predictor"')
    }
    expect(await call(server, 'GET', '/v3/whatever')).toMatchObject({ status: 404, json: { error: 'no route for GET /v3/whatever' } })
    expect((await call(server, 'GET', '/v2/models/hit-predictor/explain')).status).toBe(404)
    expect((await call(server, 'GET', '/v2/models/hit%2Dpredictor/versions/9/ready')).json).toEqual({ name: 'hit-predictor', ready: true })
  })

  it('answers 405 with Allow for a known path and the wrong method', async () => {
    const res = await call(server, 'PUT', '/v2/models/hit-predictor/infer', '{}')
    expect(res.status).toBe(405)
    expect(res.headers.allow).toBe('POST')
    expect((await call(server, 'POST', '/v2/health/ready', '{}')).status).toBe(405)
  })

  it('answers 413 JSON for a body over 1 MiB, declared or streamed, and keeps serving', async () => {
    const big = ' '.repeat(MAX_BODY_BYTES + 1)
    const declared = await call(server, 'POST', '/v2/models/hit-predictor/infer', big)
    expect(declared.status).toBe(413)
    expect(declared.json.error).toBe('request body is larger than the limit of 1048576 bytes')
    // No content-length: the server has to count while reading (chunked transfer).
    const chunks = Array.from({ length: 40 }, () => Buffer.alloc(64 * 1024, 32))
    const res = await request(`${server.url}/v1/models/hit-predictor:predict`, { method: 'POST', body: Readable.from(chunks) })
    expect(res.statusCode).toBe(413)
    expect(JSON.parse(await res.body.text())).toEqual({ error: 'request body is larger than the limit of 1048576 bytes' })
    expect((await call(server, 'GET', '/v2/health/live')).status).toBe(200)
  })

  it('survives garbage: odd paths, bodies and encodings never crash it', async () => {
    const bodies = ['', 'null', '[]', '"x"', '{"inputs":{}}', '{"inputs":[1]}', '{"inputs":[{"shape":null}]}', '{"instances":{}}', '{"instances":[null]}', '\u0000\u00ff']
    for (const body of bodies) {
      for (const path of ['/v2/models/hit-predictor/infer', '/v1/models/hit-predictor:predict']) {
        expect((await call(server, 'POST', path, body)).status).toBe(400)
      }
    }
    expect((await call(server, 'GET', '/v2/models/%E0%A4%A')).status).toBe(404)
    expect((await call(server, 'GET', '/v2/models/hit-predictor/')).status).toBe(200)
    expect((await call(server, 'GET', '/v2/health/live')).json).toEqual({ live: true })
  })

  it('keeps connections alive: 20 sequential calls use one connection', async () => {
    const client = new Client(server.url)
    let connects = 0
    client.on('connect', () => { connects++ })
    try {
      for (let i = 0; i < 20; i++) {
        const res = await client.request({ method: 'POST', path: '/v2/models/hit-predictor/infer', body: infer(ROWS) })
        expect(res.statusCode).toBe(200)
        await res.body.text()
      }
      expect(connects).toBe(1)
    } finally {
      await client.close()
    }
  })

  it('also keeps the connection after an error answer', async () => {
    const client = new Client(server.url)
    let connects = 0
    client.on('connect', () => { connects++ })
    try {
      for (const body of ['{', infer(ROWS), '{}', infer(ROWS)]) {
        const res = await client.request({ method: 'POST', path: '/v2/models/hit-predictor/infer', body })
        await res.body.text()
      }
      expect(connects).toBe(1)
    } finally {
      await client.close()
    }
  })
})

describe('model server versions', () => {
  it('v2 and v3 report their version; v3 renames its input to song_features_v3', async () => {
    const v2 = await startModelServer({ version: 'v2' })
    const v3 = await startModelServer({ version: 'v3', modelName: 'hits' })
    try {
      expect((await call(v2, 'GET', '/v2/models/hit-predictor')).json).toMatchObject({ versions: ['2'], inputs: [{ name: 'song_features' }] })
      const meta = (await call(v3, 'GET', '/v2/models/hits')).json
      expect(meta).toMatchObject({ name: 'hits', versions: ['3'], inputs: [{ name: 'song_features_v3', shape: [-1, 12] }] })
      const { json } = await call(v3, 'POST', '/v2/models/hits/infer', infer(ROWS))
      expect(json).toMatchObject({ model_name: 'hits', model_version: '3' })
      // v3 leniently reads the first input whatever its name: canonical rows get v3's (wrong) answer.
      const data = (json.outputs as { data: number[] }[])[0]?.data ?? []
      expectClose(data.slice(0, 72), createHitModel('v3').predict(ROWS)[0] as number[])
    } finally {
      await Promise.all([v2.close(), v3.close()])
    }
  })

  it('delayMs holds each inference answer back; close() does not wait for pending ones', async () => {
    const slow = await startModelServer({ version: 'v1', delayMs: 300 })
    try {
      const started = performance.now()
      const { status } = await call(slow, 'POST', '/v2/models/hit-predictor/infer', infer(ROWS))
      expect(status).toBe(200)
      expect(performance.now() - started).toBeGreaterThanOrEqual(290)
      const health = performance.now()
      await call(slow, 'GET', '/v2/health/ready')
      expect(performance.now() - health).toBeLessThan(250)
    } finally {
      const pending = request(`${slow.url}/v2/models/hit-predictor/infer`, { method: 'POST', body: infer(ROWS) }).catch((err: Error) => err)
      await new Promise((resolve) => setTimeout(resolve, 50))
      const closing = performance.now()
      await slow.close()
      expect(performance.now() - closing).toBeLessThan(250)
      expect(await pending).toBeInstanceOf(Error)
    }
  })

  it('survives a client that gives up while its answer is delayed', async () => {
    const slow = await startModelServer({ version: 'v2', delayMs: 150 })
    try {
      const aborted = request(`${slow.url}/v2/models/hit-predictor/infer`, {
        method: 'POST', body: infer(ROWS), signal: AbortSignal.timeout(30)
      }).then(() => 'answered', (err: Error) => err.name)
      expect(await aborted).toBe('TimeoutError')
      await new Promise((resolve) => setTimeout(resolve, 250)) // the delayed answer meets a closed socket
      const { status, json } = await call(slow, 'POST', '/v2/models/hit-predictor/infer', infer(ROWS))
      expect(status).toBe(200)
      expect(json.model_version).toBe('2')
    } finally {
      await slow.close()
    }
  })

  it('refuses bad options and a port already in use', async () => {
    await expect(startModelServer({ version: 'v9' as 'v1' })).rejects.toThrow('version must be v1, v2 or v3, got v9')
    await expect(startModelServer({ version: 'v1', port: 70000 })).rejects.toThrow('port must be an integer 0..65535')
    await expect(startModelServer({ version: 'v1', delayMs: -1 })).rejects.toThrow('delayMs must be a number >= 0')
    const first = await startModelServer({ version: 'v1' })
    try {
      await expect(startModelServer({ version: 'v2', port: first.port })).rejects.toThrow(/EADDRINUSE/)
    } finally {
      await first.close()
    }
  })
})
