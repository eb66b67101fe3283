import { describe, expect, it } from 'vitest'
import { ConfigSchema } from '../../src/config/schema.js'
import { finishCall, responseJson, type Call, type FinishedCall } from '../../src/runtime/call.js'
import { Observers, type Observer } from '../../src/runtime/observer.js'
import { Runtime } from '../../src/runtime/runtime.js'

const runtime = new Runtime(ConfigSchema.parse({ schemaVersion: 1, models: { m: { versions: { v1: { url: 'http://a:1', weight: 100 } } } } }))
const model = runtime.require('m')

function call (body?: string): Call {
  return { model, version: model.versions.get('v1')!, route: 'weight', protocol: 'v2', requestId: 'r1', requestBody: Buffer.alloc(0), releases: [], ...(body !== undefined ? { responseBody: Buffer.from(body) } : {}) }
}

describe('finishCall', () => {
  it('freezes the call with its status and parses the answer once for every reader', () => {
    const c = call('{"a":1}')
    const first = responseJson(c)
    const done = finishCall(c, 200)
    expect(Object.isFrozen(done)).toBe(true)
    expect(done.status).toBe(200)
    expect(done.responseJson()).toBe(first)
    expect(() => { (done as { status: number }).status = 500 }).toThrow(TypeError)
  })

  it('carries every field the call set, and none it did not (finishCall lists them one by one)', () => {
    // Required<Call>: a field added to Call fails this file's typecheck until it is listed here.
    const full: Required<Call> = {
      ...call('{"a":1}'),
      parsed: { inputs: [] },
      instances: [{ a: 1 }],
      upstreamBody: Buffer.from('{}'),
      upstreamPath: '/v2/models/m/infer',
      upstreamKind: 'v2',
      upstreamMs: 1.5,
      upstreamStatus: 200,
      upstreamError: 'status',
      responseBody: Buffer.from('{"a":1}'),
      responseParsed: { value: { a: 1 } }
    }
    const done = finishCall(full, 502, 3)
    const kept = Object.keys(full).filter((k) => !['requestBody', 'releases', 'responseParsed'].includes(k))
    expect(Object.keys(done).sort()).toEqual([...kept, 'status', 'durationMs', 'responseJson'].sort())
    for (const k of kept) expect((done as unknown as Record<string, unknown>)[k]).toBe((full as unknown as Record<string, unknown>)[k])
    expect(Object.keys(finishCall(call(), 200)).sort()).toEqual(['durationMs', 'model', 'protocol', 'requestId', 'responseJson', 'route', 'status', 'version'])
  })

  it('answers undefined for no body or a body that is not JSON', () => {
    expect(finishCall(call(), 200).responseJson()).toBeUndefined()
    expect(finishCall(call('not json'), 200).responseJson()).toBeUndefined()
  })
})

describe('Observers', () => {
  it('fans out every phase, and one failing observer costs a log line, not the others', async () => {
    const log: string[] = []
    const events: string[] = []
    const broken: Observer = {
      wantsResponse () { throw new Error('boom') },
      afterReply () { throw new Error('boom') },
      configure () { throw new Error('boom') },
      flush () { throw new Error('boom') },
      close () { throw new Error('boom') }
    }
    const good: Observer = {
      wantsResponse: () => true,
      afterReply: (c: FinishedCall) => { events.push(`after ${c.status}`) },
      configure: () => { events.push('configure') },
      flush: () => { events.push('flush') },
      close: async () => { events.push('close') }
    }
    const all = new Observers([broken, good], { error: (obj, msg) => { log.push(`${(obj as { phase: string }).phase}: ${msg}`) } })
    expect(all.wantsResponse(model)).toBe(true)
    all.configure(runtime.snapshot)
    all.afterReply(finishCall(call(), 200))
    all.flush()
    await all.close()
    expect(events).toEqual(['configure', 'after 200', 'flush', 'close'])
    expect(log).toEqual(['wantsResponse: observer failed', 'configure: observer failed', 'afterReply: observer failed', 'flush: observer failed', 'close: observer failed'])
  })

  it('wants the response only when some observer does, and lifecycle methods are optional', () => {
    const quiet = new Observers([{ wantsResponse: () => false, afterReply: () => {} }], { error: () => {} })
    expect(quiet.wantsResponse(model)).toBe(false)
    expect(() => { quiet.flush(); quiet.configure(runtime.snapshot) }).not.toThrow()
  })
})
