import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createHitModel, DEMO_VERSIONS, type DemoVersion } from './hit-model.js'
import {
  encodeV1Predict, encodeV2Infer, parseJsonBody, parseV1Predict, parseV2Infer, RequestError, type ParsedInference
} from './inference-codec.js'
import { answersFor, createRouter } from './server-routes.js'

/**
 * The built-in hit-predictor model server: one version per process (or per port), speaking OIP v2
 * (KServe v2 REST) and KServe v1 over plain node:http. It is also the benchmark's upstream, so the
 * request path does no logging, precomputes every fixed answer and allocates little.
 */

/** Options of {@link startModelServer}. */
export interface ModelServerOptions {
  version: DemoVersion
  /** Interface to listen on; default 127.0.0.1. */
  host?: string
  /** Port; default 0 (the OS picks a free one, see `RunningModelServer.port`). */
  port?: number
  /** Model name in the URL paths and metadata; default 'hit-predictor'. */
  modelName?: string
  /** Artificial latency before each inference answer, in ms; default 0. */
  delayMs?: number
}

/** A listening model server. */
export interface RunningModelServer {
  version: DemoVersion
  /** Base URL, e.g. `http://127.0.0.1:40123` (wildcard hosts are reported as loopback). */
  url: string
  port: number
  /** Stops listening, drops open connections and pending delayed answers. */
  close(): Promise<void>
}

/** Request bodies above this get 413, before being read into memory. */
export const MAX_BODY_BYTES = 1024 * 1024
// Longer than common client pools' idle timeout (undici: 4 s) so the client, not the server,
// closes idle connections, avoiding the race where a request is sent on a socket being closed.
const KEEP_ALIVE_TIMEOUT_MS = 65_000

function send (res: ServerResponse, status: number, body: string, close = false): void {
  if (res.headersSent) return
  const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
  if (close) headers.connection = 'close'
  res.writeHead(status, headers)
  res.end(body)
}

function sendError (res: ServerResponse, status: number, message: string, close = false): void {
  send(res, status, JSON.stringify({ error: message }), close)
}

/**
 * Starts one version of the demo model server.
 *
 * @example
 * const server = await startModelServer({ version: 'v1' })
 * await fetch(`${server.url}/v2/models/hit-predictor`) // metadata
 * await server.close()
 */
export async function startModelServer (opts: ModelServerOptions): Promise<RunningModelServer> {
  const { version, host = '127.0.0.1', port = 0, modelName = 'hit-predictor', delayMs = 0 } = opts
  if (!DEMO_VERSIONS.includes(version)) throw new Error(`startModelServer: version must be v1, v2 or v3, got ${String(version)}`)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`startModelServer: port must be an integer 0..65535, got ${port}`)
  if (!Number.isFinite(delayMs) || delayMs < 0) throw new Error(`startModelServer: delayMs must be a number >= 0, got ${delayMs}`)
  if (modelName.length === 0 || modelName.includes('/')) throw new Error(`startModelServer: modelName must be non-empty without "/", got "${modelName}"`)

  const model = createHitModel(version)
  const answers = answersFor(version, modelName)
  const route = createRouter(answers, modelName)
  const pending = new Set<NodeJS.Timeout>()

  function answerInference (res: ServerResponse, kind: 'infer' | 'predict', text: string): void {
    try {
      const body = parseJsonBody(text)
      const parsed: ParsedInference = kind === 'infer' ? parseV2Infer(body) : parseV1Predict(body)
      const probabilities = model.predict(parsed.rows)
      send(res, 200, kind === 'infer'
        ? encodeV2Infer(answers.inferPrefix, answers.outputName, parsed.id, probabilities)
        : encodeV1Predict(probabilities))
    } catch (err) {
      if (err instanceof RequestError) sendError(res, err.statusCode, err.message)
      else sendError(res, 500, `internal error: ${(err as Error).message}`)
    }
  }

  function readBody (req: IncomingMessage, res: ServerResponse, kind: 'infer' | 'predict'): void {
    const tooLarge = `request body is larger than the limit of ${MAX_BODY_BYTES} bytes`
    const declared = Number(req.headers['content-length'])
    if (declared > MAX_BODY_BYTES) {
      // Answer at once and close; resume() discards whatever the client still sends.
      sendError(res, 413, tooLarge, true)
      req.resume()
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    let refused = false
    req.on('data', (chunk: Buffer) => {
      if (refused) return
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        refused = true
        chunks.length = 0
        sendError(res, 413, tooLarge, true)
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      if (refused) return
      const text = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8')
      if (delayMs === 0) return answerInference(res, kind, text)
      const timer = setTimeout(() => {
        pending.delete(timer)
        answerInference(res, kind, text)
      }, delayMs)
      pending.add(timer)
    })
  }

  function handle (req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const path = q === -1 ? url : url.slice(0, q)
    const method = req.method === 'HEAD' ? 'GET' : req.method
    const target = route(path)
    switch (target.kind) {
      case 'none': return sendError(res, 404, `no route for ${req.method} ${path}`)
      case 'unknown-model': return sendError(res, 404, `unknown model ${JSON.stringify(target.model)}; this server serves "${modelName}"`)
      case 'get':
        if (method !== 'GET') return methodNotAllowed(res, 'GET, HEAD', req.method, path)
        return send(res, 200, target.body)
    }
    if (method !== 'POST') return methodNotAllowed(res, 'POST', req.method, path)
    readBody(req, res, target.kind)
  }

  const server = createServer((req, res) => {
    // A client that goes away mid-request is not our error; without a listener it would throw.
    req.on('error', noop)
    try {
      handle(req, res)
    } catch (err) {
      sendError(res, 500, `internal error: ${(err as Error).message}`)
    }
  })
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1000

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  // Once listening, an 'error' is an accept failure (say EMFILE under a benchmark's load): keep
  // serving the connections we have rather than let an unhandled event end the process.
  server.on('error', noop)
  const bound = (server.address() as AddressInfo).port
  return {
    version,
    url: `http://${urlHost(host)}:${bound}`,
    port: bound,
    close: () => new Promise<void>((resolve, reject) => {
      for (const timer of pending) clearTimeout(timer)
      pending.clear()
      server.close((err) => (err ? reject(err) : resolve()))
      server.closeAllConnections()
    })
  }
}

function methodNotAllowed (res: ServerResponse, allow: string, method: string | undefined, path: string): void {
  res.setHeader('allow', allow)
  sendError(res, 405, `method ${method ?? '?'} is not allowed on ${path}; use ${allow}`)
}

function noop (): void {}

/** Host as it should appear in a URL: wildcard addresses become loopback, IPv6 gets brackets. */
function urlHost (host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1'
  if (host === '::') return '[::1]'
  return host.includes(':') ? `[${host}]` : host
}
