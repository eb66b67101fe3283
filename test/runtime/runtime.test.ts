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

  it('keeps readiness across a reload only for versions whose URL and transform stayed', () => {
    const rt = new Runtime(config())
    rt.setReadiness('m', 'v1', ready)
    rt.setReadiness('m', 'v2', ready)
    rt.applyConfig(config('http://moved:9000'))
    const m = rt.require('m')
    expect(m.versions.get('v1')!.readiness.ready).toBe(true)
    expect(m.versions.get('v2')!.readiness.reason).toBe('not probed yet')
  })

  it('require() throws the 404 unknown-model error', () => {
    expect(() => new Runtime(config()).require('nope')).toThrow(expect.objectContaining({ code: 'HEADLINER_ERR_UNKNOWN_MODEL', statusCode: 404 }))
  })
})
