import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { findDuplicateKey } from '../../src/protocol/duplicate-keys.js'

const scan = (text: string) => findDuplicateKey(Buffer.from(text))

describe('findDuplicateKey', () => {
  it('finds a duplicate at the top level, in a nested object and in an array of objects', () => {
    expect(scan('{"inputs":[],"id":"a","inputs":[1]}')).toEqual({ key: 'inputs', at: '(body)' })
    expect(scan('{"inputs":[{"name":"a","data":[1]},{"name":"b","data":[1],"data":[2]}]}')).toEqual({ key: 'data', at: 'inputs[1]' })
    expect(scan('{"parameters":{"p":{"x":1,"x":2}}}')).toEqual({ key: 'x', at: 'parameters.p' })
    expect(scan('{"instances":[{"a":1},{"b":2,"b":3}]}')).toEqual({ key: 'b', at: 'instances[1]' })
  })

  it('finds duplicates in large objects and among non-ASCII keys (compared as decoded strings)', () => {
    const many = Array.from({ length: 40 }, (_, k) => `"k${k}":${k}`).join(',')
    expect(scan(`{${many}}`)).toBeUndefined()
    expect(scan(`{${many},"k3":0}`)).toEqual({ key: 'k3', at: '(body)' })
    expect(scan('{"tempoé":1,"tempo\u00e9":2}')).toEqual({ key: 'tempoé', at: '(body)' })
    expect(scan('{"é":1,"è":2}')).toBeUndefined()
  })

  it('sees through escapes, as every parser does', () => {
    expect(scan('{"inputs":1,"\\u0069nputs":2}')).toEqual({ key: 'inputs', at: '(body)' })
  })

  it('is not fooled by keys or braces inside strings', () => {
    expect(scan('{"a":"\\"a\\":1,{","b":"}"}')).toBeUndefined()
    expect(scan('{"a":["a","a"],"b":{"a":1}}')).toBeUndefined()
    expect(scan('{"k\\\\":1,"k":2}')).toBeUndefined()
  })

  it('survives any nesting depth and malformed input without throwing', () => {
    expect(scan('['.repeat(1_000_000))).toBeUndefined()
    expect(scan('{"a":1,"a"')).toEqual({ key: 'a', at: '(body)' })
    expect(scan('{"a":"unterminated')).toBeUndefined()
    expect(scan('}}]],,{')).toBeUndefined()
  })

  it('finds nothing in any document JSON.stringify writes (no duplicates possible), seeded', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => scan(JSON.stringify(v)) === undefined), { seed: 14, numRuns: 500 })
  })

  it('finds the key repeated in any object, as JSON.parse decodes it, seeded', () => {
    const obj = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { minKeys: 1, maxKeys: 6 })
    fc.assert(fc.property(obj, fc.nat(), fc.jsonValue({ maxDepth: 1 }), (o, pick, extra) => {
      const keys = Object.keys(o)
      const key = keys[pick % keys.length]!
      const text = JSON.stringify(o).slice(0, -1) + `,${JSON.stringify(key)}:${JSON.stringify(extra)}}`
      const found = scan(`{"wrap":[${text}]}`)
      return found !== undefined && found.at === 'wrap[0]' && (found.key === key || Object.prototype.hasOwnProperty.call(o, found.key))
    }), { seed: 14, numRuns: 500 })
  })
})
