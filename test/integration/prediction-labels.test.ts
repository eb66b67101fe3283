/**
 * Prediction drift of a model without a transform, in front of a 3-class model server of our own:
 * output columns are class names in the labels' own order (stay, churn, upgrade: not sorted), and
 * the predicted class is counted per version even when the reference has no prediction section.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../helpers/gateway.js'

/** An OIP model server: 2 inputs (tenure, spend), 3 outputs; every row's top class is column 0 (stay). */
async function churnServer (): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => { body += c.toString() })
    req.on('end', () => {
      res.setHeader('content-type', 'application/json')
      if (req.method === 'GET') {
        res.end(JSON.stringify({ name: 'churn', platform: 'test', inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }], outputs: [{ name: 'p', datatype: 'FP32', shape: [-1, 3] }] }))
        return
      }
      const rows = (JSON.parse(body) as { inputs: { shape: number[] }[] }).inputs[0]!.shape[0]!
      res.end(JSON.stringify({ model_name: 'churn', outputs: [{ name: 'p', datatype: 'FP32', shape: [rows, 3], data: Array.from({ length: rows }, () => [0.7, 0.2, 0.1]).flat() }] }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

const dir = mkdtempSync(join(tmpdir(), 'headliner-labels-'))
const FEATURES = { tenure: { edges: [12, 24], proportions: [0.3, 0.4, 0.3] }, spend: { edges: [50], proportions: [0.5, 0.5] } }
const profile = (prediction?: unknown) => {
  const file = join(dir, `ref-${prediction === undefined ? 'plain' : 'labelled'}.json`)
  writeFileSync(file, JSON.stringify({ schemaVersion: 1, model: 'churn', createdAt: '2026-01-01T00:00:00.000Z', samples: 1000, features: FEATURES, ...(prediction === undefined ? {} : { prediction }) }))
  return file
}

let upstream: { url: string; server: Server }
const gateways: TestGateway[] = []
beforeAll(async () => { upstream = await churnServer() })
afterAll(async () => {
  for (const gw of gateways) await gw.close()
  upstream.server.closeAllConnections()
  await new Promise<void>((resolve) => upstream.server.close(() => resolve()))
})

async function run (prediction?: unknown): Promise<Record<string, number>> {
  const gw = await startGateway({ schemaVersion: 1, models: { churn: { versions: { v1: { url: upstream.url, weight: 100 } }, drift: { reference: profile(prediction) } } } })
  gateways.push(gw)
  for (let i = 0; i < 20; i++) {
    const res = await request(gw.url + '/v2/models/churn/infer', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 2], data: [6, 20, 30, 80] }] }) })
    expect(res.statusCode).toBe(200)
    await res.body.dump()
  }
  gw.app.observers.flush()
  const { values } = await gw.app.metrics.predictionClass.get()
  return Object.fromEntries(values.filter((v) => v.labels.version === 'v1' && v.value > 0).map((v) => [String(v.labels.class), v.value]))
}

describe('prediction classes of a model without a transform', () => {
  it('maps column 0 to "stay", the first of the profile\'s labels, not to the alphabetically first class', async () => {
    const counts = await run({ labels: ['stay', 'churn', 'upgrade'], classes: { churn: 0.3, stay: 0.6, upgrade: 0.1 } })
    expect(counts).toEqual({ stay: 40 })
  })

  it('counts the predicted class per version without a prediction section in the reference', async () => {
    const counts = await run()
    expect(counts).toEqual({ 0: 40 })
  })
})
