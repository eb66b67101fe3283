import { describe, it, expect } from 'vitest'
import { COUNTRY_COUNT, loadCountries, validateCountries } from '../../src/demo/countries.js'

function sample (count: number): { code: string; name: string }[] {
  return Array.from({ length: count }, (_, i) => ({ code: `C${i}`, name: `Country ${i}` }))
}

describe('loadCountries', () => {
  it('reads the 72 labels of models/hit-predictor/countries.json, unique and sorted by code', () => {
    const countries = loadCountries()
    expect(COUNTRY_COUNT).toBe(72)
    expect(countries).toHaveLength(72)
    expect(new Set(countries.map((c) => c.code)).size).toBe(72)
    expect(countries[0]).toEqual({ code: 'AE', name: 'United Arab Emirates' })
    expect(countries[71]?.code).toBe('ZA')
    expect(countries.map((c) => c.code)).toEqual([...countries.map((c) => c.code)].sort())
    expect(countries.find((c) => c.code === 'US')?.name).toBeTruthy()
  })
})

describe('validateCountries', () => {
  it('accepts exactly 72 well-formed entries and keeps only code and name', () => {
    const input = sample(72).map((c) => ({ ...c, extra: 1 }))
    expect(validateCountries(input, 'x.json')[5]).toEqual({ code: 'C5', name: 'Country 5' })
  })

  it('names each defect and where it is', () => {
    expect(() => validateCountries({}, 'x.json')).toThrow('x.json: expected an array of 72 countries, got object')
    expect(() => validateCountries(sample(71), 'x.json')).toThrow('x.json: expected 72 countries, got 71')
    const duplicate = sample(72)
    duplicate[40] = { code: 'C3', name: 'Again' }
    expect(() => validateCountries(duplicate, 'x.json')).toThrow('x.json: [40].code: duplicate country code "C3"')
    const nameless = sample(72) as unknown[]
    nameless[2] = { code: 'ZZ' }
    expect(() => validateCountries(nameless, 'x.json')).toThrow('x.json: [2].name: expected a non-empty string')
    const notObject = sample(72) as unknown[]
    notObject[0] = 'AE'
    expect(() => validateCountries(notObject, 'x.json')).toThrow('x.json: [0]: expected an object {code, name}')
  })
})
