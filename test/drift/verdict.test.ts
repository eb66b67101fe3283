import { describe, it, expect } from 'vitest'
import { DEFAULT_THRESHOLDS, featureVerdict, modelVerdict, thresholdsSchema } from '../../src/drift/verdict.js'

describe('featureVerdict', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_THRESHOLDS).toEqual({ psiWarn: 0.1, psiAlert: 0.25, js: 0.1, minSamples: 200 })
    expect(Object.isFrozen(DEFAULT_THRESHOLDS)).toBe(true)
  })

  it('is insufficient_data below minSamples, however large the scores', () => {
    expect(featureVerdict({ psi: 18, js: 1, samples: 199 })).toBe('insufficient_data')
    expect(featureVerdict({ psi: NaN, js: NaN, samples: 0 })).toBe('insufficient_data')
    expect(featureVerdict({ psi: 18, js: 1, samples: 200 })).toBe('alert') // the boundary counts as enough
  })

  it('grades PSI at the warn and alert boundaries (inclusive)', () => {
    expect(featureVerdict({ psi: 0.0999, js: 0, samples: 500 })).toBe('ok')
    expect(featureVerdict({ psi: 0.1, js: 0, samples: 500 })).toBe('warn')
    expect(featureVerdict({ psi: 0.2499, js: 0, samples: 500 })).toBe('warn')
    expect(featureVerdict({ psi: 0.25, js: 0, samples: 500 })).toBe('alert')
  })

  it('lets JS distance raise a warning but not an alert', () => {
    expect(featureVerdict({ psi: 0.05, js: 0.0999, samples: 500 })).toBe('ok')
    expect(featureVerdict({ psi: 0.05, js: 0.1, samples: 500 })).toBe('warn')
    expect(featureVerdict({ psi: 0.05, js: 0.9, samples: 500 })).toBe('warn')
  })

  it('uses the thresholds it is given', () => {
    const t = thresholdsSchema.parse({ psiWarn: 0.2, psiAlert: 0.5, minSamples: 10 })
    expect(t).toEqual({ psiWarn: 0.2, psiAlert: 0.5, js: 0.1, minSamples: 10 })
    expect(featureVerdict({ psi: 0.3, js: 0, samples: 10 }, t)).toBe('warn')
    expect(featureVerdict({ psi: 0.3, js: 0, samples: 9 }, t)).toBe('insufficient_data')
  })

  it('refuses NaN scores when there is enough data', () => {
    expect(() => featureVerdict({ psi: NaN, js: 0, samples: 500 })).toThrow('drift scores must be numbers (psi NaN, js 0)')
  })
})

describe('thresholdsSchema', () => {
  it('rejects warn above alert, and out-of-range values, with paths', () => {
    const r = thresholdsSchema.safeParse({ psiWarn: 0.3, psiAlert: 0.2 })
    expect(r.success).toBe(false)
    expect(r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual(['psiWarn: must be <= psiAlert'])
    expect(thresholdsSchema.safeParse({ js: 1.5 }).success).toBe(false)
    expect(thresholdsSchema.safeParse({ minSamples: 0 }).success).toBe(false)
  })
})

describe('modelVerdict', () => {
  it('is the worst feature verdict, with the features that caused it', () => {
    expect(modelVerdict({ tempo: 'ok', key: 'warn', energy: 'warn' })).toEqual({ verdict: 'warn', reasons: ['energy', 'key'] })
    expect(modelVerdict({ tempo: 'alert', key: 'warn', mode: 'insufficient_data' })).toEqual({ verdict: 'alert', reasons: ['tempo'] })
  })

  it('is ok only when every feature is ok', () => {
    expect(modelVerdict({ tempo: 'ok', key: 'ok' })).toEqual({ verdict: 'ok', reasons: [] })
    expect(modelVerdict({ tempo: 'ok', key: 'insufficient_data' })).toEqual({ verdict: 'insufficient_data', reasons: ['key'] })
  })

  it('is insufficient_data with nothing to judge', () => {
    expect(modelVerdict({})).toEqual({ verdict: 'insufficient_data', reasons: [] })
  })
})
