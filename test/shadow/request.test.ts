import { beforeAll, describe, expect, it } from 'vitest'
import { ConfigSchema } from '../../src/config/schema.js'
import { FEATURES, V3_FEATURE_ORDER } from '../../src/demo/features.js'
import { finishCall, type Call } from '../../src/runtime/call.js'
import { compileSnapshot, EMPTY_LAYERS, type ModelRuntime } from '../../src/runtime/snapshot.js'
import { shadowRequest } from '../../src/shadow/request.js'
import { loadTransform } from '../../src/transform/load.js'
import type { Transform } from '../../src/transform/types.js'

const dir = new URL('../../models/hit-predictor/', import.meta.url).pathname
const t = (v: string) => `${dir}${v}/transform.yaml`
const transforms = new Map<string, Transform>()
beforeAll(async () => { for (const v of ['v1', 'v3']) transforms.set(t(v), await loadTransform(t(v))) })

function model (versions: Record<string, Record<string, unknown>>, extra: Record<string, unknown> = {}): ModelRuntime {
  const config = ConfigSchema.parse({ schemaVersion: 1, models: { m: { ...extra, versions: Object.fromEntries(Object.entries(versions).map(([n, v]) => [n, { url: 'http://a:1', ...v }])) } } })
  return compileSnapshot(config, { ...EMPTY_LAYERS, transforms }, 0).models.get('m')!
}

/** A finished OIP call whose primary got `body` (the caller's bytes unless the primary re-ordered). */
function call (m: ModelRuntime, primary: string, body: object, parsed: object = body) {
  const bytes = Buffer.from(JSON.stringify(body))
  const c: Call = { model: m, version: m.versions.get(primary)!, route: 'weight', protocol: 'v2', requestId: 'r', requestBody: bytes, releases: [], parsed, upstreamBody: bytes, upstreamKind: 'v2', upstreamPath: '/v2/models/m/infer' }
  return finishCall(c, 200)
}

const song = FEATURES.map((_, i) => i)
const tensor = (data: number[], name = 'song_features') => ({ inputs: [{ name, shape: [1, 12], datatype: 'FP32', data }] })
const inV3Order = V3_FEATURE_ORDER.map((f) => FEATURES.indexOf(f))

describe('shadowRequest for a raw tensor', () => {
  it('sends the primary\'s very bytes when both read the model\'s order alike', () => {
    const m = model({ v1: { weight: 100, transform: t('v1') }, plain: { mirror: 100 } })
    const c = call(m, 'v1', tensor(song))
    expect(shadowRequest(c, m.versions.get('plain')!)!.body).toBe(c.upstreamBody)
  })

  it('re-orders for a shadow declaring another order, and back for a spec-less shadow of a re-ordering primary', () => {
    const m = model({ v1: { weight: 100, transform: t('v1') }, v3: { mirror: 100, transform: t('v3') } })
    const req = shadowRequest(call(m, 'v1', tensor(song)), m.versions.get('v3')!)!
    expect(req.incomparable).toBeUndefined()
    expect(JSON.parse(req.body.toString())).toEqual(tensor(inV3Order, 'song_features_v3'))
    // the primary v3 got the tensor in v3's order; a shadow without a transform reads the model's
    const back = model({ v3: { weight: 100, transform: t('v3') }, plain: { mirror: 100 } }, { features: [...FEATURES] })
    const fromV3 = shadowRequest(call(back, 'v3', tensor(inV3Order, 'song_features_v3'), tensor(song)), back.versions.get('plain')!)!
    expect(JSON.parse(fromV3.body.toString()).inputs[0].data).toEqual(song)
  })

  it('marks the copy incomparable, with the reason, when the shadow\'s order is unknown or the tensor does not fit', () => {
    const m = model({ v1: { weight: 100 }, v3: { mirror: 100, transform: t('v3') } })
    const unknown = shadowRequest(call(m, 'v1', tensor(song)), m.versions.get('v3')!)!
    expect(unknown.incomparable).toMatch(/declares no feature order/)
    const known = model({ v1: { weight: 100, transform: t('v1') }, v3: { mirror: 100, transform: t('v3') } })
    const wide = { inputs: [{ name: 'x', shape: [1, 13], datatype: 'FP32', data: [...song, 12] }] }
    const misfit = shadowRequest(call(known, 'v1', wide), known.versions.get('v3')!)!
    expect(misfit.incomparable).toMatch(/^inputs\[0\]\.shape: is \[1, 13\]; version "v3" reads \[rows, 12\]/)
    // the copy still goes, as the primary got it
    expect(misfit.body.toString()).toBe(JSON.stringify(wide))
  })
})
