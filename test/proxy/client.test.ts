/**
 * The one upstream client against real sockets: it answers with status, headers and body without
 * a reply, and every wait is bounded (deadline over a paused body, client abort, byte limit, a
 * stream nobody reads).
 */
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Agent } from 'undici'
import { Cancel, callUpstream } from '../../src/proxy/client.js'
import { until } from '../helpers/wait.js'

let server: Server
let origin: string
const agent = new Agent({ connections: 4 })
const open = new Set<Socket>()
/** Responses the server is still writing (the big, endless answer), to see them cut. */
const writing = new Set<ServerResponse>()

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/small') {
      res.setHeader('content-type', 'application/json')
      res.setHeader('x-upstream', 'yes')
      res.end('{"ok":true}')
      return
    }
    if (req.url === '/endless') {
      // An answer that never ends: 64 KiB chunks as fast as the socket takes them.
      writing.add(res)
      res.on('close', () => writing.delete(res))
      const chunk = Buffer.alloc(64 * 1024, 120)
      const pump = () => { while (!res.destroyed && res.write(chunk)); }
      res.on('drain', pump)
      pump()
      return
    }
    res.statusCode = 404
    res.end()
  })
  server.on('connection', (s) => { open.add(s); s.on('close', () => open.delete(s)) })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  await agent.destroy()
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

const base = () => ({ origin, method: 'GET' as const, headers: {}, deadlineMs: 5000, maxBytes: 1024 * 1024 })

describe('callUpstream', () => {
  it('returns status, headers and the whole body', async () => {
    const res = await callUpstream(agent, { ...base(), path: '/small' })
    if (!res.ok) throw new Error(res.detail)
    expect([res.status, res.headers['x-upstream'], res.body.toString()]).toEqual([200, 'yes', '{"ok":true}'])
    expect(res.headersMs).toBeGreaterThanOrEqual(0)
  })

  it('cuts a body read whole at maxBytes and frees the connection', async () => {
    const res = await callUpstream(agent, { ...base(), path: '/endless', maxBytes: 200_000 })
    expect(res).toMatchObject({ ok: false, kind: 'protocol', detail: 'upstream body larger than 200000 bytes' })
    await until(() => writing.size === 0, 10_000)
  })

  it('times out a streamed body that nobody reads, within one deadline, and frees the connection', async () => {
    const started = Date.now()
    const res = await callUpstream(agent, { ...base(), path: '/endless', deadlineMs: 300, readWhole: () => false })
    if (!res.ok || res.stream === undefined) throw new Error('expected a stream')
    // Read nothing: the body pauses at the high-water mark; headersTimeout/bodyTimeout would not fire.
    const error = await new Promise<Error>((resolve) => res.stream.once('error', resolve))
    expect(error.message).toMatch(/no complete answer within 300 ms/)
    expect(Date.now() - started).toBeLessThan(5000)
    await until(() => writing.size === 0, 10_000)
  })

  it('an abort (the client went away) cancels a streamed call and frees the connection', async () => {
    const cancel = new AbortController()
    const res = await callUpstream(agent, { ...base(), path: '/endless', deadlineMs: 60_000, signal: cancel.signal, readWhole: () => false })
    if (!res.ok || res.stream === undefined) throw new Error('expected a stream')
    res.stream.on('error', () => {})
    await until(() => writing.size === 1, 10_000)
    cancel.abort()
    await until(() => writing.size === 0 && res.stream.destroyed, 10_000)
  })

  it('a Cancel (the gateway\'s cheap signal) cancels a call read whole, and its retry after it', async () => {
    const cancel = new Cancel()
    const pending = callUpstream(agent, { ...base(), path: '/endless', deadlineMs: 60_000, maxBytes: 1 << 30, signal: cancel })
    await until(() => writing.size === 1, 10_000)
    cancel.abort()
    expect(await pending).toMatchObject({ ok: false, kind: 'aborted' })
    await until(() => writing.size === 0, 10_000)
    // cancelled once, cancelled for good: the next call on it settles at once
    expect(await callUpstream(agent, { ...base(), path: '/small', signal: cancel })).toMatchObject({ ok: false, kind: 'aborted' })
  })

  it('a stream destroyed unread aborts the upstream call', async () => {
    const res = await callUpstream(agent, { ...base(), path: '/endless', deadlineMs: 60_000, readWhole: () => false })
    if (!res.ok || res.stream === undefined) throw new Error('expected a stream')
    await until(() => writing.size === 1, 10_000)
    res.stream.destroy()
    await until(() => writing.size === 0, 10_000)
  })

  it('settles an already aborted call at once, as aborted', async () => {
    const cancel = new AbortController()
    cancel.abort()
    expect(await callUpstream(agent, { ...base(), path: '/small', signal: cancel.signal })).toMatchObject({ ok: false, kind: 'aborted' })
  })

  it('classifies a refused connection as connect', async () => {
    const dead = createServer()
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve))
    const port = (dead.address() as AddressInfo).port
    await new Promise((resolve) => dead.close(resolve))
    const res = await callUpstream(agent, { ...base(), origin: `http://127.0.0.1:${port}`, path: '/x' })
    expect(res).toMatchObject({ ok: false, kind: 'connect' })
    if (!res.ok) expect(res.detail).toMatch(/ECONNREFUSED/)
  })
})
