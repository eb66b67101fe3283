import { describe, it, expect } from 'vitest'
import { didYouMean, editDistance } from '../src/suggest.js'

const FEATURES = ['danceability', 'energy', 'key', 'loudness', 'mode', 'speechiness', 'acousticness', 'instrumentalness', 'liveness', 'valence', 'tempo', 'duration_ms']

describe('editDistance (optimal string alignment)', () => {
  it.each([
    ['tempo', 'tempo', 0],
    ['temp', 'tempo', 1], // insertion
    ['tempoo', 'tempo', 1], // deletion
    ['tampo', 'tempo', 1], // substitution
    ['tmepo', 'tempo', 1], // swap of neighbours (plain Levenshtein says 2)
    ['', 'key', 3],
    ['kitten', 'sitting', 3],
    ['ca', 'abc', 3] // OSA, unlike full Damerau, may not edit a swapped pair again
  ])('%s -> %s = %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d)
    expect(editDistance(b, a)).toBe(d)
  })
})

describe('didYouMean', () => {
  it.each([
    ['temp', 'tempo'],
    ['Tempo', 'tempo'],
    ['duration', undefined], // 3 edits from duration_ms
    ['durationms', 'duration_ms'],
    ['lifeness', 'liveness'],
    ['valance', 'valence'],
    ['x', undefined],
    ['colour', undefined]
  ])('%s -> %s', (word, expected) => {
    expect(didYouMean(word, FEATURES)).toBe(expected)
  })

  it('prefers the closer candidate, then the earlier one', () => {
    expect(didYouMean('mod', ['modes', 'mode'])).toBe('mode')
    expect(didYouMean('ab', ['abc', 'abd'])).toBe('abc')
  })
})
