import { describe, expect, it } from 'vitest'
import { StallWatch } from '../../src/proxy/stall.js'

/** A watch on a clock the test moves; its ticker is started (for the open-gap rule) but never waited for. */
function watch () {
  let t = 1000
  const w = new StallWatch({ tickMs: 50, stallMs: 150, now: () => t })
  w.start()
  return { w, advance: (ms: number) => { t += ms }, tick: () => { w.tick() }, now: () => t, stop: () => { w.stop() } }
}

describe('StallWatch', () => {
  it('sees no stall while the ticks come on time, nor a gap within tick + stallMs', () => {
    const c = watch()
    const since = c.now()
    for (let i = 0; i < 10; i++) { c.advance(50); c.tick() }
    c.advance(199)
    c.tick()
    expect(c.w.stalledSince(since)).toBe(false)
    c.stop()
  })

  it('sees a gap longer than tick + stallMs after `since`, and forgets it for a later `since`', () => {
    const c = watch()
    const since = c.now()
    c.advance(2000)
    c.tick()
    expect(c.w.stalledSince(since)).toBe(true)
    c.advance(50)
    c.tick()
    expect(c.w.stalledSince(c.now())).toBe(false)
    c.stop()
  })

  it('counts the gap still open: a deadline timer can fire before the ticker after a resume', () => {
    const c = watch()
    const since = c.now()
    c.advance(2000)
    expect(c.w.stalledSince(since)).toBe(true)
    c.stop()
  })

  it('a stopped watch does not take its idle time for a stall', () => {
    const c = watch()
    c.stop()
    c.advance(60_000)
    expect(c.w.stalledSince(c.now() - 1)).toBe(false)
  })
})
