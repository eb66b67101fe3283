/**
 * Start the parties of a scenario as separate, pinned processes and wait (by polling) until each
 * one answers. Every function takes the run context `ctx` ({ group, tmpDir, opts }) from run.js.
 *
 * Cores (DESIGN.md section 10): model servers and proxies on core 0, the load generator on core 1.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, waitFor } from './procs.js'

export const SERVER_CORE = 0
export const LOAD_CORE = 1

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const LIB = fileURLToPath(new URL('./', import.meta.url))

/** The OIP request of DESIGN.md section 10: one song, 12 FP32 features (answer: 72 probabilities). */
export const INFER_BODY = JSON.stringify({
  inputs: [{ name: 'song_features', shape: [1, 12], datatype: 'FP32', data: [0.71, 0.8, 5, -5.2, 1, 0.05, 0.1, 0, 0.12, 0.6, 118, 201000] }]
})
export const INFER_PATH = '/v2/models/hit-predictor/infer'
export const PREDICT_PATH = '/v1/models/hit-predictor:predict'

/** The OIP request with 32 rows (the same song 32 times): a batch (answer: 32 x 72 probabilities). */
export const INFER_BODY_32 = JSON.stringify({
  inputs: [{ name: 'song_features', shape: [32, 12], datatype: 'FP32', data: Array.from({ length: 32 }, () => JSON.parse(INFER_BODY).inputs[0].data).flat() }]
})

/** The same song as named features (issue 3), in the order of models/hit-predictor/v1/transform.yaml. */
export const NAMED_SONG = {
  danceability: 0.71, energy: 0.8, key: 5, loudness: -5.2, mode: 1, speechiness: 0.05, acousticness: 0.1,
  instrumentalness: 0, liveness: 0.12, valence: 0.6, tempo: 118, duration_ms: 201000
}

const isNumbers = (xs, n) => Array.isArray(xs) && xs.length === n && xs.every((x) => typeof x === 'number')
const is72Numbers = (xs) => isNumbers(xs, 72)
const isTop = (p) => Array.isArray(p?.top) && p.top.length > 0 && p.top.every((t) => typeof t.country === 'string' && typeof t.name === 'string' && typeof t.probability === 'number')

/**
 * The requests a target can be loaded with: path, body, and what a correct answer looks like (so a
 * run never measures a fast error path by mistake).
 */
export const REQUESTS = {
  /** OIP v2 infer: 72 probabilities in outputs[0].data. */
  oip: { path: INFER_PATH, body: INFER_BODY, what: '72 probabilities in outputs[0].data', ok: (a) => is72Numbers(a?.outputs?.[0]?.data) },
  /** OIP v2 infer with 32 rows: 32 x 72 probabilities. */
  oip32: { path: INFER_PATH, body: INFER_BODY_32, what: '32 x 72 probabilities in outputs[0].data', ok: (a) => isNumbers(a?.outputs?.[0]?.data, 32 * 72) },
  /** KServe v1 predict with an array instance: passed through raw, 72 probabilities back. */
  predictArrays: {
    path: PREDICT_PATH,
    body: JSON.stringify({ instances: [Object.values(NAMED_SONG)] }),
    what: '72 probabilities in predictions[0]',
    ok: (a) => is72Numbers(a?.predictions?.[0])
  },
  /** KServe v1 predict with a named-feature instance: through the version's transform, labelled top-k back. */
  predictNamed: {
    path: PREDICT_PATH,
    body: JSON.stringify({ instances: [NAMED_SONG] }),
    what: 'labelled predictions[0].top (country, name, probability)',
    ok: (a) => isTop(a?.predictions?.[0])
  },
  /** 32 named-feature instances: 32 labelled predictions. */
  predictNamed32: {
    path: PREDICT_PATH,
    body: JSON.stringify({ instances: Array.from({ length: 32 }, () => NAMED_SONG) }),
    what: '32 labelled predictions',
    ok: (a) => Array.isArray(a?.predictions) && a.predictions.length === 32 && a.predictions.every(isTop)
  }
}

async function get (url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(1000) })
  await res.arrayBuffer()
  return res.ok
}

/**
 * One request (default: the OIP inference) through `baseUrl`; throws unless it is a 200 whose answer
 * passes `request.ok`. Returns the response headers.
 */
export async function checkInference (baseUrl, request = REQUESTS.oip) {
  const url = baseUrl + request.path
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: request.body,
    signal: AbortSignal.timeout(3000)
  })
  const text = await res.text()
  if (res.status !== 200) throw new Error(`POST ${url} answered ${res.status}: ${text.slice(0, 300)}`)
  let answer
  try { answer = JSON.parse(text) } catch { answer = undefined }
  if (!request.ok(answer)) throw new Error(`POST ${url}: expected ${request.what}, got ${text.slice(0, 300)}`)
  return res.headers
}

/** The readiness bound of a started process (`--ready-timeout`, s; 15 by default): a busy machine needs more. */
const readyMs = (ctx) => (ctx.opts.readyTimeoutSec ?? 15) * 1000

/** A demo model server (dist/demo/model-server.js) in its own process, on the server core by default. */
export async function startModelServer (ctx, { version = 'v1', delayMs = 0, name = `model-${version}`, core = SERVER_CORE } = {}) {
  const port = await freePort()
  const party = ctx.group.spawn({
    name,
    command: process.execPath,
    args: [join(LIB, 'model-server-proc.js'), JSON.stringify({ version, port, delayMs })],
    core
  })
  const url = `http://127.0.0.1:${port}`
  await waitFor(() => get(`${url}/v2/health/ready`), { what: `${name} on ${url}`, party, timeoutMs: readyMs(ctx) })
  return { name, url, party }
}

/** The bare fastify + @fastify/http-proxy baseline in front of `upstream`. */
export async function startBareProxy (ctx, { upstream, name = 'bare-proxy', nodeArgs = [], script = 'bare-proxy.js' }) {
  const port = await freePort()
  const party = ctx.group.spawn({
    name,
    command: process.execPath,
    args: [...nodeArgs, join(LIB, script), JSON.stringify({ port, upstream })],
    core: SERVER_CORE
  })
  const url = `http://127.0.0.1:${port}`
  await waitFor(() => get(`${url}/v2/health/ready`), { what: `${name} on ${url}`, party, timeoutMs: readyMs(ctx) })
  await checkInference(url)
  return { name, url, party }
}

/**
 * The Headliner gateway (`node bin/headliner.js serve`, compiled dist/) with the `models` part of a
 * config. Its stdout (pino, one line per request at info) goes to /dev/null: the logging cost is
 * paid (serialising, the write syscall) but nothing reads it. `logLevel` sets HEADLINER_LOG_LEVEL;
 * `nodeArgs` are extra node flags (e.g. --cpu-prof). It is ready when `check` (one of REQUESTS, default
 * the OIP inference) answers correctly: a version with a transform is not ready until its metadata check passed.
 * `root` is the checkout whose bin/headliner.js runs (default this one; `--baseline` passes another).
 */
export async function startGateway (ctx, { models, name = 'gateway', logLevel = 'info', nodeArgs = [], ready = true, check = REQUESTS.oip, root = ROOT }) {
  const [port, adminPort] = [await freePort(), await freePort()]
  const config = {
    schemaVersion: 1,
    server: { host: '127.0.0.1', port },
    admin: { host: '127.0.0.1', port: adminPort },
    models
  }
  // JSON is YAML; the state file and relative paths resolve inside the run's temp dir.
  const file = join(ctx.tmpDir, `${name}.yaml`)
  writeFileSync(file, JSON.stringify(config, null, 2))
  const party = ctx.group.spawn({
    name,
    command: process.execPath,
    args: [...nodeArgs, join(root, 'bin/headliner.js'), 'serve', '--config', file],
    core: SERVER_CORE,
    env: { HEADLINER_LOG_LEVEL: logLevel }
  })
  const url = `http://127.0.0.1:${port}`
  const adminUrl = `http://127.0.0.1:${adminPort}`
  await waitFor(() => get(`${url}/v2/health/live`), { what: `${name} on ${url}`, party, timeoutMs: readyMs(ctx) })
  if (ready) await waitFor(() => checkInference(url, check), { what: `${name}: first inference`, party, timeoutMs: readyMs(ctx) })
  return { name, url, adminUrl, party, configFile: file }
}

/**
 * Run the load generator (autocannon) in its own process on the load core and return its JSON
 * result; `rate` (req/s, default none: as fast as possible) fixes the offered load. With `warmupSec`
 * it first loads the target unmeasured and calls `onWarm()` when the measured run starts. Bounded:
 * killed (and the run fails) if it overruns its warm-up and duration by 20 s.
 */
export async function runLoad (ctx, { url, durationSec, warmupSec = 0, onWarm, connections = ctx.opts.connections, body = INFER_BODY, headers, rate = ctx.opts.rate, sticky }) {
  const party = ctx.group.spawn({
    name: 'autocannon',
    command: process.execPath,
    args: [join(LIB, 'load.js'), JSON.stringify({ url, body, headers, connections, duration: durationSec, warmup: warmupSec, rate, stickyHeader: sticky?.header, stickyKeys: sticky?.keys })],
    core: LOAD_CORE,
    stdout: 'pipe'
  })
  if (warmupSec > 0 && onWarm !== undefined) {
    const watch = () => {
      if (!party.stdout.startsWith('warm\n')) return
      party.child.stdout.off('data', watch)
      onWarm()
    }
    party.child.stdout.on('data', watch)
  }
  await party.finish((warmupSec + durationSec) * 1000 + 20_000)
  return JSON.parse(party.stdout.trim().split('\n').at(-1))
}
