/**
 * KServe v1 in front of an OIP-only model server (`protocol: v2` on the version): number-array
 * instances become an OIP tensor and the answer comes back as `predictions`; a tensor whose width
 * contradicts the upstream's metadata is refused by the gateway (400, its own code).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../helpers/gateway.js'

/** An OIP-only server (no /v1 routes: its own 404): 3 inputs, the answer is [sum, -sum] per row. */
async function oipOnly (): Promise<{ url: string; server: Server; posts: string[] }> {
  const posts: string[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => { body += c.toString() })
    req.on('end', () => {
      res.setHeader('content-type', 'application/json')
      if (req.url?.startsWith('/v1/') === true) { res.statusCode = 404; res.end('{"error":"no such route"}'); return }
      if (req.method === 'GET') {
        res.end(JSON.stringify({ name: 'm', platform: 'test', inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 3] }], outputs: [{ name: 'out', datatype: 'FP32', shape: [-1, 2] }] }))
        return
      }
      posts.push(body)
      const input = (JSON.parse(body) as { inputs: { shape: number[]; data: number[] }[] }).inputs[0]!
      const rows = Array.from({ length: input.shape[0]! }, (_, r) => input.data.slice(r * 3, r * 3 + 3).reduce((a, b) => a + b, 0))
      res.end(JSON.stringify({ model_name: 'm', outputs: [{ name: 'out', datatype: 'FP32', shape: [rows.length, 2], data: rows.flatMap((s) => [s, -s]) }] }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, posts }
}

let upstream: Awaited<ReturnType<typeof oipOnly>>
let gw: TestGateway
beforeAll(async () => {
  upstream = await oipOnly()
  gw = await startGateway({ schemaVersion: 1, models: { m: { versions: { v1: { url: upstream.url, weight: 100, protocol: 'v2' } } } } })
})
afterAll(async () => {
  await gw.close()
  upstream.server.closeAllConnections()
  await new Promise<void>((resolve) => upstream.server.close(() => resolve()))
})

async function post (path: string, body: unknown) {
  const res = await request(gw.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: res.statusCode, json: await res.body.json() as Record<string, unknown> }
}

describe('KServe v1 to an OIP-only upstream', () => {
  it('translates number-array instances to an OIP tensor and the answer back to predictions', async () => {
    const res = await post('/v1/models/m:predict', { instances: [[1, 2, 3], [4, 5, 6]] })
    expect(res).toEqual({ status: 200, json: { predictions: [[6, -6], [15, -15]] } })
    const sent = JSON.parse(upstream.posts.at(-1)!) as { inputs: unknown[] }
    expect(sent.inputs).toEqual([{ name: 'features', datatype: 'FP32', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }])
  })

  it('refuses instances whose width contradicts the upstream metadata, before the model sees them', async () => {
    const before = upstream.posts.length
    const res = await post('/v1/models/m:predict', { instances: [[1, 2, 3, 4]] })
    expect(res.status).toBe(400)
    expect(res.json.code).toBe('HEADLINER_ERR_TENSOR_SHAPE')
    expect(String(res.json.error)).toContain('3')
    expect(upstream.posts.length).toBe(before)
  })

  it('refuses an OIP tensor of the wrong width the same way', async () => {
    const before = upstream.posts.length
    const res = await post('/v2/models/m/infer', { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 2], data: [1, 2] }] })
    expect(res.status).toBe(400)
    expect(res.json.code).toBe('HEADLINER_ERR_TENSOR_SHAPE')
    expect(upstream.posts.length).toBe(before)
  })
})
