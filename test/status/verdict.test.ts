import { describe, expect, it } from 'vitest'
import { DEFAULT_STATUS_THRESHOLDS, statusThresholdsSchema } from '../../src/status/config.js'
import { EXIT_CODES, decide, worstVerdict } from '../../src/status/verdict.js'
import { agreement, model, traffic, version } from './facts.js'

describe('decide', () => {
  it('is healthy with enough traffic and nothing wrong, and says nothing', () => {
    expect(decide(model())).toEqual({ verdict: 'healthy', reasons: [] })
  })

  it('is insufficient_data when no serving version has the minimum sample in 5 min', () => {
    const quiet = model({ versions: [version('v1', { windows: { '1m': traffic(60, 3), '5m': traffic(300, 49) } }), version('v2', { weight: 0 })] })
    const r = decide(quiet)
    expect(r.verdict).toBe('insufficient_data')
    expect(r.reasons).toEqual(['no serving version has 50 requests over the last 5 min (v1: 49)'])
    // One more request reaches the minimum: judged, and healthy.
    expect(decide(model({ versions: [version('v1', { windows: { '1m': traffic(60, 3), '5m': traffic(300, 50) } })] })).verdict).toBe('healthy')
  })

  it('is failing with no ready serving version, whatever the traffic', () => {
    const r = decide(model({ versions: [version('v1', { ready: false, reason: 'health check failed: connect ECONNREFUSED' })] }))
    expect(r.verdict).toBe('failing')
    expect(r.reasons).toEqual(['no ready serving version', 'v1 not ready: health check failed: connect ECONNREFUSED'])
  })

  it('error ratio: below 1 % healthy, 1 % degraded, 5 % failing, naming the version and window', () => {
    const at = (errors: number) => decide(model({ versions: [version('v2', { windows: { '1m': traffic(60, 0), '5m': traffic(300, 1000, errors) } })] }))
    expect(at(9).verdict).toBe('healthy')
    expect(at(10)).toEqual({ verdict: 'degraded', reasons: ['v2 error ratio 1 % (10 of 1,000 requests) over the last 5 min, at or above the 1 % threshold'] })
    expect(at(49).verdict).toBe('degraded')
    expect(at(50)).toEqual({ verdict: 'failing', reasons: ['v2 error ratio 5 % (50 of 1,000 requests) over the last 5 min, at or above the 5 % threshold'] })
  })

  it('a burst in the last minute fails the model before the 5-minute ratio moves', () => {
    const r = decide(model({ versions: [version('v1', { windows: { '1m': traffic(60, 100, 50), '5m': traffic(300, 3000, 50) } })] }))
    expect(r.verdict).toBe('failing')
    expect(r.reasons).toEqual(['v1 error ratio 50 % (50 of 100 requests) over the last 1 min, at or above the 5 % threshold'])
  })

  it('p99 above the SLO is degraded, at the SLO is not', () => {
    const p99 = (ms: number) => model({ versions: [version('v2', { windows: { '1m': traffic(60, 10, 0, ms), '5m': traffic(300, 1000, 0, ms) } })] })
    expect(decide(p99(500)).verdict).toBe('healthy')
    expect(decide(p99(840))).toEqual({ verdict: 'degraded', reasons: ['v2 p99 840 ms over the last 5 min, above the 500 ms SLO'] })
  })

  it('a window below the minimum sample is not judged (one slow call in 10 is no p99)', () => {
    const r = decide(model({ versions: [version('v1', { windows: { '1m': traffic(60, 10, 5, 9000), '5m': traffic(300, 3000) } })] }))
    expect(r.verdict).toBe('healthy')
  })

  it('shadow agreement below the floor is degraded with the rate and sample size; a shadow error never fails the model', () => {
    const shadows = [{ primary: 'v1', shadow: 'v3', windows: { '1m': agreement(60, 1, 9), '5m': agreement(300, 69, 2241) } }]
    const v3 = version('v3', { role: 'shadow', weight: 0, windows: { '1m': traffic(60, 0), '5m': traffic(300, 2310, 2000) } })
    const r = decide(model({ versions: [version('v1'), v3], shadows }))
    expect(r.verdict).toBe('degraded')
    expect(r.reasons).toContain('shadow v3 agrees with v1 on 3 % of 2,310 requests over the last 5 min, below the 90 % floor')
    expect(r.reasons).toContain('shadow v3 error ratio 86.6 % (2,000 of 2,310 requests) over the last 5 min, at or above the 1 % threshold')
    // At the floor it agrees enough; under the minimum of decided comparisons it is not judged.
    expect(decide(model({ shadows: [{ primary: 'v1', shadow: 'v3', windows: { '1m': agreement(60, 0, 0), '5m': agreement(300, 90, 10) } }] })).verdict).toBe('healthy')
    expect(decide(model({ shadows: [{ primary: 'v1', shadow: 'v3', windows: { '1m': agreement(60, 0, 0), '5m': agreement(300, 0, 49) } }] })).verdict).toBe('healthy')
  })

  it('a version that is not ready degrades the model while another serves', () => {
    const r = decide(model({ versions: [version('v1'), version('v3', { role: 'shadow', weight: 0, ready: false, reason: 'transform hit-v3 does not match the model (expects 9 inputs, gets 8)', windows: { '1m': traffic(60, 0), '5m': traffic(300, 0) } })] }))
    expect(r).toEqual({ verdict: 'degraded', reasons: ['shadow v3 not ready: transform hit-v3 does not match the model (expects 9 inputs, gets 8)'] })
  })

  it('drift warn and alert degrade with the worst features; ok and insufficient_data do not', () => {
    const worst = [{ name: 'tempo', psi: 0.31, js: 0.2 }, { name: 'energy', psi: 0.12, js: 0.1 }]
    expect(decide(model({ drift: { verdict: 'alert', worst } }))).toEqual({ verdict: 'degraded', reasons: ['drift alert on tempo (PSI 0.31), energy (PSI 0.12)'] })
    expect(decide(model({ drift: { verdict: 'warn', worst: [{ name: 'prediction:v1', js: 0.14 }] } })).reasons).toEqual(['drift warn on prediction:v1 (JS 0.14)'])
    expect(decide(model({ drift: { verdict: 'ok', worst: [] } })).verdict).toBe('healthy')
    expect(decide(model({ drift: { verdict: 'insufficient_data', worst: [] } })).verdict).toBe('healthy')
  })

  it('a refused config reload is a reason with its time and error', () => {
    const at = Date.UTC(2026, 11, 1, 10, 2, 30)
    const r = decide(model({ reload: { ok: false, at, error: 'models.hit-predictor.versions: weights sum to 90, not 100' } }))
    expect(r).toEqual({ verdict: 'degraded', reasons: ['config reload refused at 10:02 UTC: models.hit-predictor.versions: weights sum to 90, not 100; the previous config still serves'] })
    expect(decide(model({ reload: { ok: true, at } })).verdict).toBe('healthy')
  })

  it('rollout: rolled_back and aborted degrade; running, paused and promoted do not', () => {
    const decision = { at: 0, result: 'fail', reason: 'gate error_ratio: 7 % > 1 %' }
    expect(decide(model({ rollout: { candidate: 'v2', state: 'rolled_back', step: 20, lastDecision: decision } }))).toEqual({ verdict: 'degraded', reasons: ['rollout of v2 rolled back at 20 %: gate error_ratio: 7 % > 1 %'] })
    expect(decide(model({ rollout: { candidate: 'v2', state: 'aborted', step: 5 } })).reasons).toEqual(['rollout of v2 aborted at 5 %'])
    for (const state of ['running', 'paused', 'promoted'] as const) expect(decide(model({ rollout: { candidate: 'v2', state, step: 50 } })).verdict).toBe('healthy')
  })

  it('lists failing reasons before degraded ones, and degraded wins over insufficient data', () => {
    const r = decide(model({ versions: [version('v1', { ready: false, reason: 'down' })], reload: { ok: false, at: 0, error: 'bad' } }))
    expect(r.verdict).toBe('failing')
    expect(r.reasons[0]).toBe('no ready serving version')
    const quiet = model({ versions: [version('v1', { windows: { '1m': traffic(60, 0), '5m': traffic(300, 0) } })], reload: { ok: false, at: 0, error: 'bad' } })
    expect(decide(quiet).verdict).toBe('degraded')
  })

  it('reads per-model thresholds', () => {
    const strict = statusThresholdsSchema.parse({ p99SloMs: 30 })
    expect(decide(model(), strict).reasons).toEqual(['v1 p99 40 ms over the last 5 min, above the 30 ms SLO'])
  })
})

describe('thresholds and exit codes', () => {
  it('documents its defaults and refuses a degraded threshold above the failing one', () => {
    expect(DEFAULT_STATUS_THRESHOLDS).toEqual({ errorRatioDegraded: 0.01, errorRatioFailing: 0.05, p99SloMs: 500, agreementFloor: 0.9, minSamples: 50 })
    expect(statusThresholdsSchema.safeParse({ errorRatioDegraded: 0.1, errorRatioFailing: 0.05 }).success).toBe(false)
    expect(statusThresholdsSchema.safeParse({ p99Slo: 3 }).success).toBe(false)
  })

  it('exits 0/1/2/3 and rolls models up to the worst', () => {
    expect(EXIT_CODES).toEqual({ healthy: 0, degraded: 1, failing: 2, insufficient_data: 3 })
    expect(worstVerdict(['healthy', 'insufficient_data'])).toBe('insufficient_data')
    expect(worstVerdict(['insufficient_data', 'degraded', 'healthy'])).toBe('degraded')
    expect(worstVerdict(['degraded', 'failing'])).toBe('failing')
    expect(worstVerdict([])).toBe('insufficient_data')
  })
})
