/**
 * The gateway's adapters to the status report: roles, weights and readiness from a compiled snapshot
 * (an ejected version says so), the drift verdict's worst features, and StatusObserver turning a
 * finished call and a shadow comparison into window counts.
 */
import { describe, expect, it } from 'vitest'
import { ConfigSchema } from '../../src/config/schema.js'
import type { DriftStatus } from '../../src/drift/monitor.js'
import { finishCall, type Call } from '../../src/runtime/call.js'
import { compileSnapshot, EMPTY_LAYERS, versionKey } from '../../src/runtime/snapshot.js'
import { StatusObserver } from '../../src/status/observer.js'
import { describeModel, driftFacts } from '../../src/status/sources.js'

const config = ConfigSchema.parse({
  schemaVersion: 1,
  models: {
    m: {
      status: { p99SloMs: 250 },
      versions: { v1: { url: 'http://127.0.0.1:1', weight: 80 }, v2: { url: 'http://127.0.0.1:2', weight: 20 }, v3: { url: 'http://127.0.0.1:3', mirror: 50 } }
    }
  }
})
const ok = { ready: true, reason: 'ready' }
const snapshot = compileSnapshot(config, {
  ...EMPTY_LAYERS,
  readiness: new Map([[versionKey('m', 'v1'), ok], [versionKey('m', 'v2'), ok], [versionKey('m', 'v3'), { ready: false, reason: 'connect ECONNREFUSED' }]]),
  ejected: new Set([versionKey('m', 'v2')])
}, 0)
const m = snapshot.models.get('m')!

describe('describeModel', () => {
  it('gives roles, weights, mirrors, readiness with reasons and the model\'s thresholds', () => {
    expect(describeModel(m, 'v2')).toEqual({
      model: 'm',
      thresholds: { errorRatioDegraded: 0.01, errorRatioFailing: 0.05, p99SloMs: 250, agreementFloor: 0.9, minSamples: 50 },
      versions: [
        { name: 'v1', role: 'serving', weight: 80, ready: true, reason: 'ready' },
        { name: 'v2', role: 'candidate', weight: 20, ready: false, reason: 'ejected by outlier detection' },
        { name: 'v3', role: 'shadow', weight: 0, mirror: 50, ready: false, reason: 'connect ECONNREFUSED' }
      ]
    })
    expect(describeModel(m).versions[1]!.role).toBe('serving')
  })
})

describe('driftFacts', () => {
  it('names the most severe, then largest, features first, at most three; null without drift', () => {
    const status = {
      model: 'm', reference: 'r', verdict: 'warn', reasons: [], thresholds: { psiWarn: 0.1, psiAlert: 0.25, js: 0.1, minSamples: 200 },
      features: [
        { feature: 'energy', psi: 0.05, js: 0.03, samples: 900, requiredSamples: 650, verdict: 'ok' },
        { feature: 'tempo', psi: 0.14, js: 0.08, samples: 900, requiredSamples: 650, verdict: 'warn' },
        { feature: 'key', psi: null, js: null, samples: 3, requiredSamples: 650, verdict: 'insufficient_data' },
        { feature: 'mode', psi: 0.09, js: 0.02, samples: 900, requiredSamples: 650, verdict: 'ok' }
      ],
      predictions: [{ version: 'v1', js: 0.11, samples: 900, requiredSamples: 5122, verdict: 'warn' }]
    } satisfies DriftStatus
    expect(driftFacts(status)).toEqual({ verdict: 'warn', worst: [{ name: 'tempo', psi: 0.14, js: 0.08 }, { name: 'prediction v1', js: 0.11 }, { name: 'mode', psi: 0.09, js: 0.02 }] })
    expect(driftFacts(undefined)).toBeNull()
  })
})

describe('StatusObserver', () => {
  it('counts a finished call with its duration and upstream error, and a shadow copy as a reply and a comparison', () => {
    let now = 1_000_000
    const o = new StatusObserver({ now: () => now })
    const call = (status: number, ms: number, upstreamError?: Call['upstreamError']) => finishCall({ model: m, version: m.versions.get('v1')!, route: 'weight', protocol: 'v2', requestId: 'r', requestBody: Buffer.alloc(0), releases: [], ...(upstreamError !== undefined ? { upstreamError } : {}) }, status, ms)
    o.afterReply(call(200, 40))
    o.afterReply(call(200, 900))
    // A timeout answered 504: an error by its status and by its upstream error, counted once.
    o.afterReply(call(504, 2000, 'timeout'))
    o.onComparison({ model: 'm', primary: 'v1', shadow: 'v3', outcome: 'agree', divergence: 0.01, status: 200, durationMs: 30, failed: false })
    o.onComparison({ model: 'm', primary: 'v1', shadow: 'v3', outcome: 'shadow_error', status: 0, durationMs: 5000, failed: true })
    now += 1000
    expect(o.wantsResponse()).toBe(false)
    const v1 = o.windows.traffic('m', 'v1')['1m']
    expect(v1).toMatchObject({ requests: 3, errors: 1 })
    expect(v1.p99Ms).toBeGreaterThan(1500)
    expect(o.windows.traffic('m', 'v3', 'shadow')['5m']).toMatchObject({ requests: 2, errors: 1 })
    expect(o.windows.pairs('m')).toEqual([{ primary: 'v1', shadow: 'v3', windows: expect.objectContaining({ '5m': expect.objectContaining({ total: 2, agree: 1, disagree: 0, agreementRate: 1, divergenceMean: 0.01 }) }) }])
  })
})
