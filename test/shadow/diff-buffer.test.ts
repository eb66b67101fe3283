import { describe, it, expect } from 'vitest'
import { DiffBuffer } from '../../src/shadow/diff-buffer.js'

interface Sized { id: number; size: number }
const bySize = (e: Sized): number => e.size

describe('DiffBuffer', () => {
  it('evicts the oldest entries beyond maxEntries and lists newest first', () => {
    const buf = new DiffBuffer<number>({ maxEntries: 3, maxBytes: 1e6 })
    for (const n of [1, 2, 3, 4, 5]) expect(buf.push(n)).toBe(true)
    expect(buf.list()).toEqual([5, 4, 3])
    expect(buf.list(2)).toEqual([5, 4])
    expect(buf.list(0)).toEqual([])
    expect(buf.list(10)).toEqual([5, 4, 3])
    // JSON of each number is 1 character
    expect(buf.stats()).toEqual({ entries: 3, bytes: 3, evicted: 2, refused: 0 })
  })

  it('keeps order across many wrap-arounds', () => {
    const buf = new DiffBuffer<number>({ maxEntries: 7, maxBytes: 1e6 })
    for (let n = 0; n < 100; n++) buf.push(n)
    expect(buf.list()).toEqual([99, 98, 97, 96, 95, 94, 93])
    expect(buf.stats().evicted).toBe(93)
  })

  it('evicts the oldest entries until a new entry fits in maxBytes', () => {
    const buf = new DiffBuffer<Sized>({ maxEntries: 100, maxBytes: 10, sizeOf: bySize })
    buf.push({ id: 1, size: 4 })
    buf.push({ id: 2, size: 4 })
    expect(buf.stats()).toEqual({ entries: 2, bytes: 8, evicted: 0, refused: 0 })
    buf.push({ id: 3, size: 3 }) // 8 + 3 > 10: id 1 goes, 4 + 3 = 7
    expect(buf.list().map(e => e.id)).toEqual([3, 2])
    expect(buf.stats()).toEqual({ entries: 2, bytes: 7, evicted: 1, refused: 0 })
    buf.push({ id: 4, size: 10 }) // exactly maxBytes: everything else goes
    expect(buf.list().map(e => e.id)).toEqual([4])
    expect(buf.stats()).toEqual({ entries: 1, bytes: 10, evicted: 3, refused: 0 })
  })

  it('refuses an entry larger than maxBytes on its own and keeps the others', () => {
    const buf = new DiffBuffer<Sized>({ maxEntries: 5, maxBytes: 10, sizeOf: bySize })
    buf.push({ id: 1, size: 5 })
    expect(buf.push({ id: 2, size: 11 })).toBe(false)
    expect(buf.list().map(e => e.id)).toEqual([1])
    expect(buf.stats()).toEqual({ entries: 1, bytes: 5, evicted: 0, refused: 1 })
  })

  it('refuses entries whose size is not a valid number', () => {
    const buf = new DiffBuffer<Sized>({ maxEntries: 5, maxBytes: 10, sizeOf: bySize })
    expect(buf.push({ id: 1, size: NaN })).toBe(false)
    expect(buf.push({ id: 2, size: -1 })).toBe(false)
    expect(buf.stats().refused).toBe(2)
  })

  it('measures entries by JSON length by default', () => {
    const buf = new DiffBuffer<object>({ maxEntries: 5, maxBytes: 30 })
    buf.push({ id: 'a' }) // {"id":"a"} = 10 characters
    expect(buf.stats().bytes).toBe(10)
    buf.push({ id: 'bb' }) // 11
    buf.push({ id: 'ccc' }) // 12: 10 + 11 + 12 > 30, the first goes
    expect(buf.list()).toEqual([{ id: 'ccc' }, { id: 'bb' }])
    expect(buf.stats()).toEqual({ entries: 2, bytes: 23, evicted: 1, refused: 0 })
  })

  it('keeps nothing when maxEntries is 0', () => {
    const buf = new DiffBuffer<number>({ maxEntries: 0, maxBytes: 100 })
    expect(buf.push(1)).toBe(false)
    expect(buf.list()).toEqual([])
    expect(buf.stats()).toEqual({ entries: 0, bytes: 0, evicted: 0, refused: 1 })
  })

  it('clears, then fills again', () => {
    const buf = new DiffBuffer<number>({ maxEntries: 2, maxBytes: 100 })
    buf.push(1); buf.push(2); buf.push(3)
    buf.clear()
    expect(buf.stats()).toEqual({ entries: 0, bytes: 0, evicted: 1, refused: 0 })
    buf.push(4)
    expect(buf.list()).toEqual([4])
  })

  it('rejects bad bounds', () => {
    expect(() => new DiffBuffer({ maxEntries: -1, maxBytes: 10 })).toThrow(/maxEntries must be a non-negative integer, got -1/)
    expect(() => new DiffBuffer({ maxEntries: 1.5, maxBytes: 10 })).toThrow(/maxEntries/)
    expect(() => new DiffBuffer({ maxEntries: 1, maxBytes: 0 })).toThrow(/maxBytes must be a positive number, got 0/)
    expect(() => new DiffBuffer({ maxEntries: 1, maxBytes: Infinity })).toThrow(/maxBytes/)
  })
})
