import { describe, expect, it } from 'vitest'
import { targetOf } from '../../src/protocol/paths.js'

describe('targetOf', () => {
  it('puts the OIP v2 and KServe v1 paths under the URL\'s prefix, without a double slash', () => {
    const t = targetOf('https://models.example:8443/serving/', 'hit predictor')
    expect(t.origin).toBe('https://models.example:8443')
    expect([t.inferPath, t.predictPath, t.metadataPath, t.readyPath]).toEqual([
      '/serving/v2/models/hit%20predictor/infer',
      '/serving/v1/models/hit%20predictor:predict',
      '/serving/v2/models/hit%20predictor',
      '/serving/v2/models/hit%20predictor/ready'
    ])
  })

  it('ignores anything in the URL but the origin and path', () => {
    expect(targetOf('http://a:1', 'm').inferPath).toBe('/v2/models/m/infer')
    expect(Object.isFrozen(targetOf('http://a:1', 'm'))).toBe(true)
  })
})
