/**
 * TLS verification is on for https upstreams: an upstream whose certificate the gateway cannot
 * verify never gets a request (its probe fails, the version is not ready); with the CA that signed
 * it (`tls.ca`) it serves; `tls.rejectUnauthorized: false` is the lab's way out. The certificate is
 * a self-signed test fixture for 127.0.0.1 (test/fixtures/tls, valid until 2126).
 */
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { request } from 'undici'
import { oipBody, startGateway, type TestGateway } from '../helpers/gateway.js'

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'tls')
const CERT = join(FIXTURES, 'upstream.crt')

let server: Server
let url: string
let inferCalls = 0
const closers: (() => Promise<void>)[] = []

beforeAll(async () => {
  server = createServer({ key: readFileSync(join(FIXTURES, 'upstream.key')), cert: readFileSync(CERT) }, (req, res) => {
    req.resume()
    res.setHeader('content-type', 'application/json')
    if (req.method === 'POST') inferCalls++
    res.end(req.method === 'GET' ? '{"name":"m","versions":["1"],"platform":"t","inputs":[],"outputs":[]}' : '{"model_name":"m","outputs":[{"name":"p","datatype":"FP32","shape":[1,2],"data":[0.5,0.5]}]}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  for (const close of closers.reverse()) await close()
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

async function gatewayWith (tls: Record<string, unknown> | undefined): Promise<TestGateway> {
  const gw = await startGateway({ schemaVersion: 1, models: { m: { versions: { v1: { url, weight: 100, ...(tls === undefined ? {} : { tls }) } } } } })
  closers.push(() => gw.close())
  return gw
}

async function infer (gw: TestGateway) {
  const res = await request(gw.url + '/v2/models/m/infer', { method: 'POST', body: oipBody(), headers: { 'content-type': 'application/json' } })
  return { status: res.statusCode, json: await res.body.json() as Record<string, unknown> }
}

it('refuses an upstream certificate it cannot verify: not ready, no request sent', async () => {
  const gw = await gatewayWith(undefined)
  expect(gw.app.runtime.model('m')!.versions.get('v1')!.readiness).toMatchObject({ ready: false, reason: expect.stringMatching(/self.signed/i) })
  expect(await infer(gw)).toMatchObject({ status: 503 })
  expect(inferCalls).toBe(0)
})

it('serves through an upstream signed by the configured CA', async () => {
  const gw = await gatewayWith({ ca: CERT })
  expect(await infer(gw)).toMatchObject({ status: 200, json: { outputs: [{ data: [0.5, 0.5] }] } })
  expect(inferCalls).toBe(1)
})

it('serves without verification only when told (a lab setting)', async () => {
  const gw = await gatewayWith({ rejectUnauthorized: false })
  expect((await infer(gw)).status).toBe(200)
})
