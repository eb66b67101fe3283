/**
 * The unsolicited-100 filter on a real socket pair, fed one byte per read so every split point of a
 * head is exercised: only whole 100 heads at the start of an answer are dropped, never bytes of a
 * body, and nothing before a request was written.
 */
import { createServer, connect, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { classifyStart, skipUnsolicitedContinue } from '../../src/proxy/interim.js'
import { until } from '../helpers/wait.js'

describe('classifyStart', () => {
  const of = (text: string) => classifyStart(Buffer.from(text, 'latin1'))
  it('tells a 100 head, another answer, and a start too short to tell', () => {
    expect(of('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200')).toEqual({ kind: 'continue', skip: 25 })
    expect(of('HTTP/1.0 100 Continue\r\nx: y\r\n\r\n')).toEqual({ kind: 'continue', skip: 31 })
    expect(of('HTTP/1.1 10')).toEqual({ kind: 'more' })
    expect(of('HTTP/1.1 100 Continue\r\n')).toEqual({ kind: 'more' })
    expect(of('HTTP/1.1 200 OK\r\n\r\n')).toEqual({ kind: 'other' })
    expect(of('HTTP/1.1 103 Early Hints\r\n\r\n')).toEqual({ kind: 'other' })
    expect(of('HTTP/2 100')).toEqual({ kind: 'other' })
    expect(of('HTTP/1.1 100 ' + 'x'.repeat(17 * 1024))).toEqual({ kind: 'other' })
  })
})

describe('skipUnsolicitedContinue on a socket read one byte at a time', () => {
  let server: Server
  let peer: Socket
  let client: Socket
  let got = ''

  beforeAll(async () => {
    const accepted = new Promise<Socket>((resolve) => { server = createServer(resolve) })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    client = connect((server.address() as AddressInfo).port, '127.0.0.1')
    skipUnsolicitedContinue(client)
    // Read as undici does: paused mode, read() until null on every 'readable'.
    client.on('readable', () => {
      for (let c = client.read() as Buffer | null; c !== null; c = client.read() as Buffer | null) got += c.toString('latin1')
    })
    peer = await accepted
  })
  afterAll(async () => {
    client.destroy()
    peer.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  async function send (text: string): Promise<void> {
    for (const byte of Buffer.from(text, 'latin1')) {
      const target = client.bytesRead + 1
      peer.write(Buffer.from([byte]))
      await until(() => client.bytesRead === target)
    }
  }

  it('passes a 100 that no request preceded (undici then fails it, as before)', async () => {
    await send('HTTP/1.1 100 Continue\r\n\r\n')
    expect(got).toBe('HTTP/1.1 100 Continue\r\n\r\n')
  })

  it('drops the 100 heads before an answer, not a body that looks like one', async () => {
    got = ''
    client.write('POST /v2/models/m/infer HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\r\n', 'latin1')
    const answer = 'HTTP/1.1 200 OK\r\ncontent-length: 25\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n'
    await send('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 100 Continue\r\nx: y\r\n\r\n' + answer)
    expect(got).toBe(answer)
  })

  it('watches again after the next request head', async () => {
    got = ''
    client.write('GET /v2/models/m/ready HTTP/1.1\r\nhost: x\r\n\r\n', 'latin1')
    await send('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n')
    expect(got).toBe('HTTP/1.1 204 No Content\r\n\r\n')
  })

  it('is not armed by a write that is not a request line (chunked body framing, body bytes)', async () => {
    got = ''
    client.write('\r\n19\r\n', 'latin1')
    client.write(Buffer.from('POST /x HTTP/1.1\r\n'))
    await send('HTTP/1.1 100 Continue\r\n\r\n')
    expect(got).toBe('HTTP/1.1 100 Continue\r\n\r\n')
  })
})
