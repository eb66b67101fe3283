import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { oipBody, startDemoVersions } from '../helpers/gateway.js'
import type { RunningModelServer } from '../../src/demo/model-server.js'

const ROOT = join(import.meta.dirname, '..', '..')
let slow: RunningModelServer[]

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist', 'main.js'))) throw new Error('dist/main.js is missing: run `npm run build` (npm test does) before this test')
  slow = await startDemoVersions(['v1'], 800)
})
afterAll(async () => { await Promise.all(slow.map((s) => s.close())) })

describe('SIGTERM', () => {
  it('stops accepting, finishes the request in flight, then exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'headliner-shutdown-'))
    const config = join(dir, 'config.yaml')
    writeFileSync(config, [
      'schemaVersion: 1',
      'server: { host: 127.0.0.1, port: 0 }',
      'admin: { host: 127.0.0.1, port: 0 }',
      'models:',
      '  hit-predictor:',
      '    versions:',
      `      v1: { url: "${slow[0]!.url}", weight: 100 }`
    ].join('\n'))
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'headliner.js'), 'serve', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] })
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    let out = ''
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString()
        const m = /"data":"(http:\/\/[^"]+)"/.exec(out)
        if (m !== null) resolve(m[1]!)
      })
      child.on('exit', () => reject(new Error(`gateway exited early: ${out}`)))
    })

    const inflight = request(url + '/v2/models/hit-predictor/infer', { method: 'POST', body: oipBody() })
    await new Promise((resolve) => setTimeout(resolve, 200))
    child.kill('SIGTERM')
    const res = await inflight
    expect(res.statusCode).toBe(200)
    expect(((await res.body.json()) as { outputs: unknown[] }).outputs).toHaveLength(1)
    expect(await exited).toBe(0)
    await expect(request(url + '/v2/health/live')).rejects.toThrow()
    expect(out).toContain('draining in-flight requests')
  })
})
