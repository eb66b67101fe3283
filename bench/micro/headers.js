/** Micro: copying a request's headers for the upstream (hop-by-hop headers dropped). */
import { bench, optionalImport } from './harness.js'

const forward = await optionalImport('../../dist/proxy/forward.js')

// What autocannon and a typical client send, plus the hop-by-hop headers a proxy must drop.
const headers = {
  host: '127.0.0.1:8080',
  'content-type': 'application/json',
  'content-length': '128',
  connection: 'keep-alive',
  'keep-alive': 'timeout=5',
  'user-agent': 'autocannon/8',
  accept: '*/*',
  'x-user-id': 'user-17',
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'
}

export default forward?.endToEndHeaders === undefined
  ? [{ name: 'header copy', skipped: 'dist/proxy/forward.js has no endToEndHeaders' }]
  : [bench('header copy: endToEndHeaders (9 headers)', () => forward.endToEndHeaders(headers))]
