import { describe, expect, it } from 'vitest'
import { ConfigSchema, type Config } from '../../src/config/schema.js'
import { Runtime } from '../../src/runtime/runtime.js'
import { compileSnapshot, EMPTY_LAYERS, versionKey, type Snapshot } from '../../src/runtime/snapshot.js'

const config = (v2url = 'http://b:9000/base/'): Config => ConfigSchema.parse({
  schemaVersion: 1,
  models: {
    m: {
      versions: {
        v1: { url: 'http://a:9000', weight: 70 },
        v2: { url: v2url, weight: 30 },
        s: { url: 'http://c:9000', weight: 0, mirror: 10 }
      }
    }
  }
})

const ready = { ready: true, reason: 'ready' }

describe('compileSnapshot', () => {
  it('adds a compared serving version to the shadows, copied from its baseline only, keeping its weight', () => {
    const runtime = new Runtime(config())
    runtime.setCompare('m', { version: 'v2', of: 'v1', percent: 25 })
    const t = runtime.require('m').table
    expect(t.byName.get('v2')!.weight).toBe(30)
    expect(t.weighted.map((v) => v.name)).toEqual(['v1', 'v2'])
    expect(t.shadows.map((v) => [v.name, v.mirror, v.mirrorOf])).toEqual([['s', 10, undefined], ['v2', 25, 'v1']])
    // A shadow of the file, or the version itself, is not compared; undefined ends the copies.
    runtime.setCompare('m', { version: 's', of: 'v1', percent: 25 })
    expect(runtime.require('m').table.shadows.map((v) => v.name)).toEqual(['s'])
    runtime.setCompare('m', { version: 'v2', of: 'v2', percent: 25 })
    expect(runtime.require('m').table.shadows.map((v) => v.name)).toEqual(['s'])
    runtime.setCompare('m', undefined)
    expect(runtime.require('m').table.shadows.map((v) => v.name)).toEqual(['s'])
  })

  it('is pure: the same config and layers give equal, frozen snapshots', () => {
    const c = config()
    const a = compileSnapshot(c, EMPTY_LAYERS, 1)
    const b = compileSnapshot(c, EMPTY_LAYERS, 1)
    expect(a).toEqual(b)
    expect(Object.isFrozen(a)).toBe(true)
    expect(Object.isFrozen(a.models.get('m'))).toBe(true)
  })

  it('routes nothing before readiness and builds targets from the URL prefix', () => {
    const m = compileSnapshot(config(), EMPTY_LAYERS, 0).models.get('m')!
    expect(m.table.readyWeighted).toEqual([])
    expect(m.versions.get('v1')!.readiness.reason).toBe('not probed yet')
    expect(m.versions.get('v2')!.target.inferPath).toBe('/base/v2/models/m/infer')
    expect(m.versions.get('s')!.isShadow).toBe(true)
  })

  it('layers readiness, weights, mirrors and ejections over the file', () => {
    const layers = {
      ...EMPTY_LAYERS,
      readiness: new Map([[versionKey('m', 'v1'), ready], [versionKey('m', 'v2'), ready], [versionKey('m', 's'), ready]]),
      weights: new Map([['m', new Map([['v1', 10], ['v2', 90]])]]),
      mirrors: new Map([['m', new Map([['s', 55]])]]),
      ejected: new Set([versionKey('m', 'v1')])
    }
    const t = compileSnapshot(config(), layers, 0).models.get('m')!.table
    expect(t.byName.get('v1')!.weight).toBe(10)
    expect(t.byName.get('v2')!.weight).toBe(90)
    expect(t.shadows.map((v) => [v.name, v.mirror])).toEqual([['s', 55]])
    // ejected: routes like an unready version
    expect(t.readyWeighted.map((v) => v.name)).toEqual(['v2'])
  })
})

describe('Runtime', () => {
  it('swaps a new snapshot on every layer change and tells the listeners', () => {
    const rt = new Runtime(config())
    const seen: Snapshot[] = []
    rt.onSwap((s) => seen.push(s))
    rt.setReadiness('m', 'v1', ready)
    rt.setReadiness('m', 'v1', ready) // unchanged: no swap
    rt.setWeights(new Map([['m', new Map([['v1', 100], ['v2', 0]])]]))
    rt.setMirrors(new Map([['m', new Map([['s', 1]])]]))
    rt.setEjected(new Set([versionKey('m', 'v1')]))
    expect(seen.length).toBe(4)
    expect(seen.at(-1)).toBe(rt.snapshot)
    expect(rt.snapshot.models.get('m')!.table.shadows[0]!.mirror).toBe(1)
    expect(rt.snapshot.models.get('m')!.table.readyWeighted).toEqual([])
  })

  it('keeps readiness across a reload for versions whose URL and transform stayed', () => {
    const rt = new Runtime(config())
    rt.setReadiness('m', 'v1', ready)
    rt.applyConfig(config('http://moved:9000'))
    const m = rt.require('m')
    expect(m.versions.get('v1')!.readiness).toEqual(ready)
    expect(m.versions.get('v1')!.next).toBeUndefined()
    // v2 was not ready before the move: nothing to keep serving, its new URL is probed first
    expect(m.versions.get('v2')!.readiness.reason).toBe('not probed yet')
    expect(m.versions.get('v2')!.next).toBeUndefined()
  })

  it('require() throws the 404 unknown-model error', () => {
    expect(() => new Runtime(config()).require('nope')).toThrow(expect.objectContaining({ code: 'HEADLINER_ERR_UNKNOWN_MODEL', statusCode: 404 }))
  })
})

describe('a reload that moves a ready version to another URL', () => {
  const moved = () => {
    const rt = new Runtime(config())
    rt.setReadiness('m', 'v1', ready)
    rt.setReadiness('m', 'v2', ready)
    rt.applyConfig(config('http://moved:9000'))
    return rt
  }
  const v2 = (rt: Runtime) => rt.require('m').versions.get('v2')!
  const routed = (rt: Runtime) => rt.require('m').table.readyWeighted.map((v) => v.name)

  it('keeps routing to the previous upstream, ready, and says which URL it waits for', () => {
    const rt = moved()
    expect(v2(rt).target.origin).toBe('http://b:9000')
    expect(v2(rt).target.inferPath).toBe('/base/v2/models/m/infer')
    expect(v2(rt).next!.target.origin).toBe('http://moved:9000')
    expect(v2(rt).next!.servingConfig.url).toBe('http://b:9000/base/')
    expect(v2(rt).readiness.reason).toBe('serving the previous upstream http://b:9000/base/ until http://moved:9000 is ready (not probed yet)')
    expect(routed(rt)).toEqual(['v1', 'v2'])
  })

  it('a failed probe of the new URL changes nothing but the reason; its first ready probe moves the traffic', () => {
    const rt = moved()
    rt.setReadiness('m', 'v2', { ready: false, reason: 'upstream unreachable' })
    expect(v2(rt).target.origin).toBe('http://b:9000')
    expect(v2(rt).readiness.reason).toContain('(upstream unreachable)')
    expect(routed(rt)).toEqual(['v1', 'v2'])
    rt.setReadiness('m', 'v2', ready)
    expect(v2(rt).target.origin).toBe('http://moved:9000')
    expect(v2(rt).next).toBeUndefined()
    expect(v2(rt).readiness).toEqual(ready)
    expect(rt.layers.held.size).toBe(0)
  })

  it('a previous upstream that fails its own probes stops serving like any unready version', () => {
    const rt = moved()
    rt.setHeldReadiness('m', 'v2', { ready: false, reason: 'readiness answered 503' })
    expect(v2(rt).readiness).toEqual({ ready: false, reason: 'readiness answered 503' })
    expect(routed(rt)).toEqual(['v1'])
    // and the version serves again once the new URL is ready
    rt.setReadiness('m', 'v2', ready)
    expect(routed(rt)).toEqual(['v1', 'v2'])
  })

  it('a second move keeps the upstream that serves; moving back to it needs no probe', () => {
    const rt = moved()
    rt.applyConfig(config('http://again:9000'))
    expect(v2(rt).target.origin).toBe('http://b:9000')
    expect(v2(rt).next!.target.origin).toBe('http://again:9000')
    rt.applyConfig(config())
    expect(v2(rt).next).toBeUndefined()
    expect(v2(rt).readiness).toEqual(ready)
  })

  it('a version that is new, or whose transform changed with its URL, has no previous upstream', () => {
    const rt = moved()
    const c = config('http://moved:9000')
    const withNew = ConfigSchema.parse({ schemaVersion: 1, models: { m: { versions: { ...c.models.m!.versions, v3: { url: 'http://d:9000', weight: 0 } } } } })
    rt.applyConfig(withNew)
    expect(rt.require('m').versions.get('v3')!.readiness.reason).toBe('not probed yet')
    expect(rt.require('m').versions.get('v3')!.next).toBeUndefined()
    const transformed = ConfigSchema.parse({ schemaVersion: 1, models: { m: { versions: { ...c.models.m!.versions, v2: { ...c.models.m!.versions.v2!, url: 'http://other:9000', transform: 't.yaml' } } } } })
    rt.applyConfig(transformed)
    expect(v2(rt).next).toBeUndefined()
    expect(v2(rt).readiness.reason).toBe('not probed yet')
  })
})
