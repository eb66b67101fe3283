import { describe, expect, it } from 'vitest'
import { buildModelTable, type VersionInput } from '../../src/routing/table.js'
import { pickVersion, pickWeighted, rendezvous, shouldMirror } from '../../src/routing/pick.js'
import { hash32 } from '../../src/routing/hash.js'
import { mulberry32 } from '../../src/demo/songs.js'

const v = (name: string, weight: number, extra: Partial<VersionInput> = {}): VersionInput => ({ name, weight, ready: true, ...extra })
const table = (inputs: VersionInput[]) => buildModelTable('hit-predictor', 'hit-predictor', inputs)

function shares (picks: string[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const p of picks) out[p] = (out[p] ?? 0) + 1
  for (const k of Object.keys(out)) out[k] = (out[k]! / picks.length) * 100
  return out
}

describe('weighted split', () => {
  // 20,000 picks: the standard error of a 10% share is sqrt(.1*.9/20000) = 0.21 points, so
  // +/-1.5 points is about 7 standard errors: the test fails only when the split is really wrong.
  const N = 20_000
  const TOLERANCE = 1.5

  it('follows 90/10 within +/-1.5 points over 20,000 picks', () => {
    const t = table([v('v1', 90), v('v2', 10)])
    const random = mulberry32(7)
    const picks = Array.from({ length: N }, () => {
      const d = pickVersion(t, {}, random())
      if (!d.ok) throw new Error('no pick')
      expect(d.route).toBe('weight')
      return d.version.name
    })
    const s = shares(picks)
    expect(Math.abs(s.v1! - 90)).toBeLessThan(TOLERANCE)
    expect(Math.abs(s.v2! - 10)).toBeLessThan(TOLERANCE)
  })

  it('follows 50/30/20 and never picks a weight-0 or shadow version', () => {
    const t = table([v('a', 50), v('b', 30), v('c', 20), v('parked', 0), v('shadow', 0, { mirror: 100 })])
    const random = mulberry32(11)
    const s = shares(Array.from({ length: N }, () => { const d = pickWeighted(t, random()); return d.ok ? d.version.name : 'none' }))
    expect(Math.abs(s.a! - 50)).toBeLessThan(TOLERANCE)
    expect(Math.abs(s.b! - 30)).toBeLessThan(TOLERANCE)
    expect(Math.abs(s.c! - 20)).toBeLessThan(TOLERANCE)
    expect(s.parked).toBeUndefined()
    expect(s.shadow).toBeUndefined()
  })

  it('maps the edges of [0, 1) to the first and last versions', () => {
    const t = table([v('v1', 90), v('v2', 10)])
    expect(pickWeighted(t, 0)).toMatchObject({ ok: true, version: { name: 'v1' } })
    expect(pickWeighted(t, 0.8999)).toMatchObject({ ok: true, version: { name: 'v1' } })
    expect(pickWeighted(t, 0.9)).toMatchObject({ ok: true, version: { name: 'v2' } })
    expect(pickWeighted(t, 0.999999)).toMatchObject({ ok: true, version: { name: 'v2' } })
  })

  it('moves an unready version\'s share to the ready ones in proportion to their weights, marked fallback', () => {
    const t = table([v('a', 50), v('b', 30, { ready: false }), v('c', 20)])
    const random = mulberry32(3)
    const picks = Array.from({ length: N }, () => pickWeighted(t, random()))
    const names = picks.map((d) => (d.ok ? d.version.name : 'none'))
    const s = shares(names)
    // a gets 50 + 30 * 50/70 = 71.43, c gets 20 + 30 * 20/70 = 28.57
    expect(Math.abs(s.a! - 71.43)).toBeLessThan(TOLERANCE)
    expect(Math.abs(s.c! - 28.57)).toBeLessThan(TOLERANCE)
    expect(s.b).toBeUndefined()
    const fallbackShare = picks.filter((d) => d.ok && d.route === 'fallback').length / N * 100
    expect(Math.abs(fallbackShare - 30)).toBeLessThan(TOLERANCE)
  })

  it('reports no ready version when every weighted version is down', () => {
    const t = table([v('a', 100, { ready: false }), v('s', 0, { mirror: 100 })])
    expect(pickVersion(t, {}, 0.5)).toEqual({ ok: false, reason: 'no_ready_version' })
    expect(pickVersion(t, { stickyKey: 'u1' }, 0.5)).toEqual({ ok: false, reason: 'no_ready_version' })
  })
})

describe('pins and headers', () => {
  const t = table([v('v1', 90), v('v2', 10), v('v3', 0, { mirror: 100 }), v('down', 0, { ready: false })])

  it('pins a configured version whatever the weights, shadows included', () => {
    for (const name of ['v1', 'v2', 'v3']) {
      expect(pickVersion(t, { pinned: name }, 0)).toMatchObject({ ok: true, version: { name }, route: 'pinned' })
    }
  })

  it('prefers the path pin over the header, and the header over the sticky key', () => {
    expect(pickVersion(t, { pinned: 'v2', header: 'v1', stickyKey: 'x' }, 0)).toMatchObject({ version: { name: 'v2' }, route: 'pinned' })
    expect(pickVersion(t, { header: 'v2', stickyKey: 'x' }, 0)).toMatchObject({ version: { name: 'v2' }, route: 'header' })
  })

  it('rejects unknown versions and never falls back from an explicit choice', () => {
    expect(pickVersion(t, { pinned: 'v9' }, 0)).toEqual({ ok: false, reason: 'unknown_version', version: 'v9' })
    expect(pickVersion(t, { header: 'down' }, 0)).toEqual({ ok: false, reason: 'not_ready', version: 'down' })
  })

  it('lets the header reach serving versions only, unless shadows are allowed; a shadow then looks unknown', () => {
    expect(pickVersion(t, { header: 'v3' }, 0)).toEqual({ ok: false, reason: 'unknown_version', version: 'v3' })
    expect(pickVersion(t, { header: 'v3', headerReach: 'serving' }, 0)).toEqual({ ok: false, reason: 'unknown_version', version: 'v3' })
    expect(pickVersion(t, { header: 'v3', headerReach: 'all' }, 0)).toMatchObject({ ok: true, version: { name: 'v3' }, route: 'header' })
    expect(pickVersion(t, { header: 'v2', headerReach: 'serving' }, 0)).toMatchObject({ ok: true, version: { name: 'v2' }, route: 'header' })
  })
})

describe('sticky routing', () => {
  const keys = Array.from({ length: 20_000 }, (_, i) => `user-${i}`)

  it('gives the same key the same version, across independently built tables (replicas, restarts)', () => {
    const a = table([v('v1', 90), v('v2', 10)])
    const b = table([v('v1', 90), v('v2', 10)])
    for (const key of keys.slice(0, 2000)) {
      const x = pickVersion(a, { stickyKey: key }, Math.random())
      const y = pickVersion(b, { stickyKey: key }, Math.random())
      expect(x.ok && y.ok && x.version.name === y.version.name && x.route === 'sticky').toBe(true)
    }
  })

  it('splits keys by weight within +/-1.5 points over 20,000 keys', () => {
    const t = table([v('v1', 70), v('v2', 20), v('v3', 10)])
    const s = shares(keys.map((key) => { const d = pickVersion(t, { stickyKey: key }, 0); return d.ok ? d.version.name : 'none' }))
    expect(Math.abs(s.v1! - 70)).toBeLessThan(1.5)
    expect(Math.abs(s.v2! - 20)).toBeLessThan(1.5)
    expect(Math.abs(s.v3! - 10)).toBeLessThan(1.5)
  })

  it('moves only the keys it must when weights change (90/10 -> 80/20: only v1 -> v2 moves, about 10%)', () => {
    const before = table([v('v1', 90), v('v2', 10)])
    const after = table([v('v1', 80), v('v2', 20)])
    let moved = 0
    for (const key of keys) {
      const x = pickVersion(before, { stickyKey: key }, 0)
      const y = pickVersion(after, { stickyKey: key }, 0)
      if (!x.ok || !y.ok) throw new Error('no pick')
      if (x.version.name !== y.version.name) {
        moved++
        expect([x.version.name, y.version.name]).toEqual(['v1', 'v2'])
      }
    }
    // The minimum that must move is 10% of keys; allow the same +/-1.5 points of sampling noise.
    expect(Math.abs(moved / keys.length * 100 - 10)).toBeLessThan(1.5)
  })

  it('keeps keys of other versions in place when one version goes unready, and marks moved keys fallback', () => {
    const healthy = table([v('v1', 50), v('v2', 30), v('v3', 20)])
    const v2down = table([v('v1', 50), v('v2', 30, { ready: false }), v('v3', 20)])
    for (const key of keys.slice(0, 5000)) {
      const x = pickVersion(healthy, { stickyKey: key }, 0)
      const y = pickVersion(v2down, { stickyKey: key }, 0)
      if (!x.ok || !y.ok) throw new Error('no pick')
      if (x.version.name !== 'v2') expect(y).toMatchObject({ version: { name: x.version.name }, route: 'sticky' })
      else expect(y.route).toBe('fallback')
    }
  })

  it('reshuffles when the salt changes', () => {
    const a = buildModelTable('m', 'salt-a', [v('v1', 50), v('v2', 50)])
    const b = buildModelTable('m', 'salt-b', [v('v1', 50), v('v2', 50)])
    const differ = keys.slice(0, 2000).filter((key) => {
      const x = pickVersion(a, { stickyKey: key }, 0)
      const y = pickVersion(b, { stickyKey: key }, 0)
      return x.ok && y.ok && x.version.name !== y.version.name
    }).length
    // independent 50/50 assignments disagree half the time: 1000 +/- 3 sigma (67)
    expect(Math.abs(differ - 1000)).toBeLessThan(100)
  })

  it('treats an empty key as no key (weighted)', () => {
    const t = table([v('v1', 100)])
    expect(pickVersion(t, { stickyKey: '' }, 0.3)).toMatchObject({ route: 'weight' })
  })

  it('returns undefined from rendezvous over no versions', () => {
    expect(rendezvous([], hash32('k'))).toBeUndefined()
  })
})

describe('hash32', () => {
  it('is stable (golden values guard against accidental changes that would reshuffle every user)', () => {
    expect(hash32('')).toBe(hash32(''))
    expect(hash32('alice')).not.toBe(hash32('alicf'))
    // Pin the function: a change here reassigns every sticky user on upgrade.
    expect([hash32('alice'), hash32('bob'), hash32('user-1', 12345)]).toMatchSnapshot()
  })
})

describe('shouldMirror', () => {
  it('mirrors the stated percent within +/-1.5 points over 20,000 draws', () => {
    const random = mulberry32(5)
    let n = 0
    for (let i = 0; i < 20_000; i++) if (shouldMirror(25, random())) n++
    expect(Math.abs(n / 200 - 25)).toBeLessThan(1.5)
    expect(shouldMirror(0, 0)).toBe(false)
    expect(shouldMirror(100, 0.999999)).toBe(true)
  })
})
