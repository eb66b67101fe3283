import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** One output class of the hit predictor: an ISO 3166-1 alpha-2 code and a display name. */
export interface Country { code: string; name: string }

/** How many countries (output classes) the hit predictor scores. */
export const COUNTRY_COUNT = 72

// Resolved from this module's own location so it works from src/demo (tsx, vitest) and from
// dist/demo (after tsc): both are two levels below the package root that holds models/.
const COUNTRIES_URL = new URL('../../models/hit-predictor/countries.json', import.meta.url)

/**
 * Reads and validates the 72 output labels of the hit predictor, in output-tensor order
 * (models/hit-predictor/countries.json, sorted by code).
 *
 * @throws Error naming the file and the offending entry when the file is missing or malformed.
 * @example
 * const countries = loadCountries()
 * countries[0] // { code: 'AE', name: 'United Arab Emirates' }
 */
export function loadCountries (): Country[] {
  const file = fileURLToPath(COUNTRIES_URL)
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(COUNTRIES_URL, 'utf8'))
  } catch (err) {
    throw new Error(`cannot read countries from ${file}: ${(err as Error).message}`)
  }
  return validateCountries(parsed, file)
}

/**
 * Checks that `value` is an array of exactly 72 `{code, name}` entries with unique codes.
 * Exported for tests; `source` only labels the error messages.
 */
export function validateCountries (value: unknown, source: string): Country[] {
  if (!Array.isArray(value)) {
    throw new Error(`${source}: expected an array of ${COUNTRY_COUNT} countries, got ${typeof value}`)
  }
  if (value.length !== COUNTRY_COUNT) {
    throw new Error(`${source}: expected ${COUNTRY_COUNT} countries, got ${value.length}`)
  }
  const seen = new Set<string>()
  const countries: Country[] = []
  value.forEach((entry: unknown, i) => {
    const where = `${source}: [${i}]`
    if (entry === null || typeof entry !== 'object') throw new Error(`${where}: expected an object {code, name}`)
    const { code, name } = entry as Record<string, unknown>
    if (typeof code !== 'string' || code.length === 0) throw new Error(`${where}.code: expected a non-empty string`)
    if (typeof name !== 'string' || name.length === 0) throw new Error(`${where}.name: expected a non-empty string`)
    if (seen.has(code)) throw new Error(`${where}.code: duplicate country code "${code}"`)
    seen.add(code)
    countries.push({ code, name })
  })
  return countries
}
