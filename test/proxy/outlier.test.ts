import { describe, expect, it } from 'vitest'
import { DEFAULT_OUTLIER, ejectionMs, probedReady, recordOutcome, SERVING, type OutlierState } from '../../src/proxy/outlier.js'

const s = DEFAULT_OUTLIER

function fail (state: OutlierState, times: number, now: number, othersReady = true): { state: OutlierState; events: string[] } {
  const events: string[] = []
  for (let i = 0; i < times; i++) {
    const r = recordOutcome(state, true, now, othersReady, s)
    state = r.state
    events.push(r.event)
  }
  return { state, events }
}

describe('passive outlier ejection', () => {
  it('ejects after 5 consecutive failures, for 30 s the first time', () => {
    const four = fail(SERVING, 4, 1000)
    expect(four.events).toEqual(['none', 'none', 'none', 'none'])
    expect(four.state.ejectedUntil).toBeUndefined()
    const fifth = recordOutcome(four.state, true, 1000, true, s)
    expect(fifth.event).toBe('ejected')
    expect(fifth.state).toEqual({ consecutive: 0, ejections: 1, ejectedUntil: 31_000 })
  })

  it('a success resets the count: 4 failures, 1 success, 4 failures never eject', () => {
    let state = fail(SERVING, 4, 0).state
    state = recordOutcome(state, false, 0, true, s).state
    expect(fail(state, 4, 0).state.ejectedUntil).toBeUndefined()
  })

  it('never ejects the last ready serving version (spared once, then keeps serving)', () => {
    const r = fail(SERVING, 8, 0, false)
    expect(r.events).toEqual(['none', 'none', 'none', 'none', 'spared', 'none', 'none', 'none'])
    expect(r.state.ejectedUntil).toBeUndefined()
  })

  it('returns only after its time AND a good probe; the n-th ejection lasts n x 30 s, capped at 300 s', () => {
    const ejected = fail(SERVING, 5, 0).state
    expect(probedReady(ejected, 29_999)).toEqual({ state: ejected, returned: false })
    const back = probedReady(ejected, 30_000)
    expect(back.returned).toBe(true)
    expect(back.state.ejectedUntil).toBeUndefined()
    const second = fail(back.state, 5, 100_000).state
    expect(second.ejectedUntil).toBe(100_000 + 60_000)
    expect([1, 2, 3, 10, 11, 50].map((n) => ejectionMs(n, s))).toEqual([30_000, 60_000, 90_000, 300_000, 300_000, 300_000])
  })

  it('ignores outcomes while ejected (calls already in flight when it was ejected)', () => {
    const ejected = fail(SERVING, 5, 0).state
    expect(recordOutcome(ejected, true, 10, true, s)).toEqual({ state: ejected, event: 'none' })
    expect(recordOutcome(ejected, false, 10, true, s)).toEqual({ state: ejected, event: 'none' })
  })
})
