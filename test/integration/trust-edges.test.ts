/**
 * What a request can and cannot make the gateway do, on real sockets: no part of a request (Host,
 * an absolute request target, forwarding headers, the version header, a model name or path spelled
 * to look like a host) makes the gateway call any host but the configured upstream; a client's
 * oversized or JSON x-request-id is replaced in the logs too, not only in the answer; and an
 * upstream cannot set the gateway's x-request-id.
 */
import { createServer, type Server } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { oipBody, startGateway, startRecordingUpstream, type TestGateway } from '../helpers/gateway.js'
import { until } from '../helpers/wait.js'

let up: Awaited<ReturnType<typeof startRecordingUpstream>>
let canary: Server
let canaryHits: string[]
let canaryHost: string
let gw: TestGateway

beforeAll(async () => {
  up = await startRecordingUpstream()
  // the "other host": any request reaching it is a request the gateway was talked into
  canaryHits = []
  canary = createServer((req, res) => { canaryHits.push(`${req.method} ${req.url}`); res.end('{}') })
  await new Promise<void>((resolve) => canary.listen(0, '127.0.0.1', resolve))
  canaryHost = `127.0.0.1:${(canary.address() as AddressInfo).port}`
  gw = await startGateway({ schemaVersion: 1, models: { m: { headerRouting: 'all', versions: { v1: { url: up.url, weight: 100 } } } } })
})
afterAll(async () => {
  await gw.close()
  await up.close()
  canary.closeAllConnections()
  await new Promise<void>((resolve) => canary.close(() => resolve()))
})

/** One raw HTTP/1.1 request (so the request target and headers go exactly as written); resolves with the status. */
function raw (head: string, body = ''): Promise<number> {
  const { port } = new URL(gw.url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1')
    let got = ''
    socket.on('data', (c: Buffer) => {
      got += c.toString()
      const m = /^HTTP\/1\.1 (\d{3})/.exec(got)
      if (m !== null) { socket.destroy(); resolve(Number(m[1])) }
    })
    socket.on('error', reject)
    socket.write(`${head}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`)
  })
}

describe('upstream hosts come only from the config', () => {
  it('nothing in a request reaches another host', async () => {
    const body = oipBody()
    const statuses = [
      await raw(`POST /v2/models/m/infer HTTP/1.1\r\nhost: ${canaryHost}`, body),
      await raw(`POST http://${canaryHost}/v2/models/m/infer HTTP/1.1\r\nhost: ${canaryHost}`, body),
      await raw(`POST /v2/models/m/infer HTTP/1.1\r\nhost: x\r\nx-forwarded-host: ${canaryHost}\r\nforwarded: host=${canaryHost}`, body),
      await raw(`POST /v2/models/m/infer HTTP/1.1\r\nhost: x\r\nx-headliner-version: http://${canaryHost}/`, body),
      await raw(`POST /v2/models/m/versions/${encodeURIComponent(`http://${canaryHost}`)}/infer HTTP/1.1\r\nhost: x`, body),
      await raw(`POST /v2/models/${encodeURIComponent(`@${canaryHost}`)}/infer HTTP/1.1\r\nhost: x`, body),
      await raw(`POST /v2/models/m%2F..%2F..%2F${canaryHost}/infer HTTP/1.1\r\nhost: x`, body),
      await raw(`POST //${canaryHost}/v2/models/m/infer HTTP/1.1\r\nhost: x`, body),
      await raw(`POST /v1/models/${encodeURIComponent(`//${canaryHost}/m`)}:predict HTTP/1.1\r\nhost: x`, JSON.stringify({ instances: [[1, 2]] }))
    ]
    // served (200) or refused (4xx), never a 5xx, and never forwarded anywhere but the upstream
    for (const s of statuses) expect(s === 200 || (s >= 400 && s < 500), `status ${s}`).toBe(true)
    expect(canaryHits).toEqual([])
    for (const r of up.requests.filter((x) => x.method === 'POST')) expect(r.url).toBe('/v2/models/m/infer')
  })
})

describe('request ids', () => {
  it('an 8 KB or JSON x-request-id never reaches the log lines, nor the upstream', async () => {
    for (const id of ['b'.repeat(8192), '{"inject":"log-forging"}']) {
      const res = await request(gw.url + '/v2/models/m/infer', { method: 'POST', body: oipBody(), headers: { 'content-type': 'application/json', 'x-request-id': id } })
      await res.body.dump()
      const given = String(res.headers['x-request-id'])
      expect(given).toMatch(/^[0-9a-f-]{36}$/)
      await until(() => gw.logs.some((l) => l.includes(given)))
      expect(up.requests.at(-1)!.headers['x-request-id']).toBe(given)
    }
    const all = gw.logs.join('')
    expect(all).not.toContain('b'.repeat(200))
    expect(all).not.toContain('log-forging')
  })

  it('an upstream cannot set the x-request-id of the answer', async () => {
    const spoof = createServer((req, res) => {
      req.resume()
      res.setHeader('content-type', 'application/json')
      res.setHeader('x-request-id', 'from-the-upstream')
      res.end(req.method === 'GET' ? '{"name":"m","versions":["1"],"platform":"t","inputs":[],"outputs":[]}' : '{"model_name":"m","outputs":[{"name":"p","datatype":"FP32","shape":[1,2],"data":[0.5,0.5]}]}')
    })
    await new Promise<void>((resolve) => spoof.listen(0, '127.0.0.1', resolve))
    const g = await startGateway({ schemaVersion: 1, models: { m: { versions: { v1: { url: `http://127.0.0.1:${(spoof.address() as AddressInfo).port}`, weight: 100 } } } } })
    try {
      const res = await request(g.url + '/v2/models/m/infer', { method: 'POST', body: oipBody(), headers: { 'content-type': 'application/json', 'x-request-id': 'mine-1' } })
      await res.body.dump()
      expect(res.statusCode).toBe(200)
      expect(res.headers['x-request-id']).toBe('mine-1')
    } finally {
      await g.close()
      spoof.closeAllConnections()
      await new Promise<void>((resolve) => spoof.close(() => resolve()))
    }
  })
})
