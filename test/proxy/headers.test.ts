import { describe, expect, it } from 'vitest'
import { endToEndHeaders } from '../../src/proxy/forward.js'

describe('endToEndHeaders', () => {
  it('drops hop-by-hop headers and those the Connection header names, whatever their case and spacing', () => {
    const out = endToEndHeaders({
      connection: 'keep-alive, X-Secret ,x-other',
      'keep-alive': 'timeout=5',
      'transfer-encoding': 'chunked',
      te: 'trailers',
      upgrade: 'h2c',
      'proxy-authorization': 'Basic x',
      'x-secret': '1',
      'x-other': '2',
      'content-type': 'application/json',
      'x-request-id': 'r1'
    })
    expect(out).toEqual({ 'content-type': 'application/json', 'x-request-id': 'r1' })
  })

  it('drops the extra names asked for and copies the rest untouched', () => {
    const headers = { traceparent: '00-a-b-01', tracestate: 'x=y', accept: 'application/json' }
    expect(endToEndHeaders(headers, new Set(['traceparent', 'tracestate']))).toEqual({ accept: 'application/json' })
    expect(endToEndHeaders(headers)).toEqual(headers)
    expect(headers.traceparent).toBe('00-a-b-01')
  })
})
