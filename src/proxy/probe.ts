/**
 * Readiness probing: every version's upstream is asked for its model metadata and readiness
 * (OIP `GET /v2/models/{m}` and `/v2/models/{m}/ready`) at start and then periodically. A version
 * that does not answer ready, or whose metadata contradicts its transform, is marked not ready with
 * a reason, and the routing table moves its traffic to the ready versions.
 *
 * Each version has its own loop: a probe is bounded by the client's deadline and nothing waits for
 * another version's probe, so one wedged upstream cannot freeze the readiness of the rest. Probes go
 * over their own small pool (not the traffic's), so a loaded version's probe never queues behind its
 * traffic. A ready version is marked not ready only after `unhealthyThreshold` failed probes in a row
 * (a transform contract mismatch at once: it would label nonsense), and back after
 * `healthyThreshold` good ones.
 *
 * While a reload's new URL is not ready, a version has two loops: the new URL's (its first good probe
 * moves the traffic there) and the previous upstream's, which keeps serving meanwhile and, like any
 * serving upstream, stops serving when it fails its probes.
 *
 * A probe that failed while the process itself was stalled (src/proxy/stall.ts) is not counted: its
 * deadline expired while nothing ran. It is repeated at once instead (at most
 * `MAX_DISCOUNTED` times in a row, so a process that stalls all the time still judges its upstreams).
 */
import type { Dispatcher } from 'undici'
import type { Logger } from 'pino'
import type { Runtime } from '../runtime/runtime.js'
import { UNPROBED, versionKey, type Readiness, type VersionRuntime } from '../runtime/snapshot.js'
import { callUpstream } from './client.js'
import { StallWatch } from './stall.js'
import { probeSubjects, type Subject } from './probe-subjects.js'

/** Failed probes in a row not counted because the process stalled; the next one counts whatever happened. */
const MAX_DISCOUNTED = 5

/** Largest metadata or readiness answer read from an upstream. */
const MAX_PROBE_BYTES = 1024 * 1024

/** Extra checks on a version's metadata (the transform contract): a reason to refuse, or the tensor names to use. */
export type MetadataCheck = (model: string, version: VersionRuntime, metadata: unknown) =>
  { ok: false; reason: string } | { ok: true; tensors?: { input: string; output: string } }

export interface ProberOptions {
  runtime: Runtime
  /** The probes' own pool (src/proxy/upstreams.ts, role `probe`), never the traffic's. */
  agent: Dispatcher
  log: Logger
  intervalMs: number
  timeoutMs: number
  /** Failed probes in a row before a ready version is marked not ready. Default 3. */
  unhealthyThreshold?: number
  /** Good probes in a row before a not-ready version is marked ready. Default 1. */
  healthyThreshold?: number
  checkMetadata?: MetadataCheck
  /** A probe answered ready (outlier ejection returns a version whose time is over). */
  onReady?: (model: string, version: string) => void
  /** Detects stalls of the process. Default: a StallWatch whose stall is half the probe timeout (at least 100 ms). */
  stall?: StallWatch
}

/** One probe's verdict; `immediate` failures skip the hysteresis. */
type Verdict = Readiness & { immediate?: boolean }

interface Loop {
  /** What is probed; a reload that changes it starts the counts again. */
  identity: string
  timer: NodeJS.Timeout | undefined
  running: Promise<void> | undefined
  failures: number
  successes: number
  /** Failed probes in a row not counted because the process stalled during them. */
  discounted: number
  /** Probe again at once (the last probe was not counted), not after the interval. */
  again: boolean
}

export class ReadinessProber {
  readonly #opts: ProberOptions
  readonly #loops = new Map<string, Loop>()
  readonly #stall: StallWatch
  #started = false
  #unsubscribe: (() => void) | undefined

  constructor (opts: ProberOptions) {
    this.#opts = opts
    this.#stall = opts.stall ?? new StallWatch({ stallMs: Math.max(100, opts.timeoutMs / 2) })
  }

  /** Probe every version once, all at once; each probe is bounded by the probe deadline. */
  async probeAll (): Promise<void> {
    this.#reconcile()
    await Promise.all([...probeSubjects(this.#opts.runtime.snapshot)].map((s) => this.#probeOnce(s)))
  }

  /** Start every version's own loop, and follow reloads (new versions start, removed ones stop). */
  start (): void {
    this.stop()
    this.#started = true
    this.#stall.start()
    this.#reconcile()
    this.#unsubscribe = this.#opts.runtime.onSwap(() => { this.#reconcile() })
  }

  stop (): void {
    this.#started = false
    this.#stall.stop()
    this.#unsubscribe?.()
    this.#unsubscribe = undefined
    for (const loop of this.#loops.values()) clearTimeout(loop.timer)
    for (const loop of this.#loops.values()) loop.timer = undefined
  }

  /** The subject of a loop in the current snapshot (undefined once the version or its held upstream is gone). */
  #subject (key: string): Subject | undefined {
    for (const s of probeSubjects(this.#opts.runtime.snapshot)) if (s.key === key) return s
    return undefined
  }

  #reconcile (): void {
    const seen = new Set<string>()
    for (const { key, model, version, role } of probeSubjects(this.#opts.runtime.snapshot)) {
      seen.add(key)
      const identity = `${version.target.origin}${version.target.metadataPath} ${version.config.transform ?? ''}`
      let loop = this.#loops.get(key)
      if (loop === undefined || loop.identity !== identity) {
        if (loop !== undefined) clearTimeout(loop.timer)
        if (role === 'next') this.#opts.log.info({ model, version: version.name, upstream: version.config.url }, 'version keeps its previous upstream until the new URL is ready')
        loop = { identity, timer: undefined, running: undefined, failures: 0, successes: 0, discounted: 0, again: false }
        this.#loops.set(key, loop)
      }
      if (this.#started && loop.timer === undefined) this.#schedule(key, loop)
    }
    for (const [key, loop] of this.#loops) {
      if (seen.has(key)) continue
      clearTimeout(loop.timer)
      this.#loops.delete(key)
    }
  }

  #schedule (key: string, loop: Loop): void {
    const delay = loop.again ? 0 : this.#opts.intervalMs
    loop.again = false
    loop.timer = setTimeout(() => {
      const subject = this.#subject(key)
      if (subject === undefined || this.#loops.get(key) !== loop) return
      this.#probeOnce(subject).finally(() => {
        if (this.#started && this.#loops.get(key) === loop) this.#schedule(key, loop)
      }).catch(() => {})
    }, delay)
    loop.timer.unref()
  }

  /** One probe of one subject (shared if one is already running), then the hysteresis. */
  #probeOnce (subject: Subject): Promise<void> {
    const { key, model, version } = subject
    const loop = this.#loops.get(key)
    if (loop === undefined) return Promise.resolve()
    const started = this.#stall.now()
    loop.running ??= this.probe(model, version)
      .then((verdict) => { this.#apply(key, loop, verdict, started) })
      .catch((err: unknown) => { this.#opts.log.error({ err, model, version: version.name }, 'readiness probe failed') })
      .finally(() => { loop.running = undefined })
    return loop.running
  }

  #apply (key: string, loop: Loop, verdict: Verdict, started: number): void {
    const { runtime, log } = this.#opts
    const subject = this.#subject(key)
    if (this.#loops.get(key) !== loop || subject === undefined) return
    const { model, version: { name }, role } = subject
    const { held, readiness: file } = runtime.layers
    const before = role === 'held' ? held.get(versionKey(model, name))?.readiness : file.get(key) ?? UNPROBED
    if (before === undefined) return
    const { immediate, ...readiness } = verdict
    if (!readiness.ready && immediate !== true && loop.discounted < MAX_DISCOUNTED && this.#stall.stalledSince(started)) {
      loop.discounted++
      loop.again = true
      log.warn({ model, version: name, upstream: subject.version.target.origin, reason: readiness.reason }, 'readiness probe failed while the process was stalled; not counted, probing again')
      return
    }
    loop.discounted = 0
    if (readiness.ready) {
      loop.successes++
      loop.failures = 0
      if (role !== 'held') this.#opts.onReady?.(model, name)
      // A version never probed yet serves on its first good probe; one marked down needs M in a row.
      const unprobed = before.reason === UNPROBED.reason
      if (!before.ready && !unprobed && loop.successes < (this.#opts.healthyThreshold ?? 1)) return
    } else {
      loop.failures++
      loop.successes = 0
      if (before.ready && immediate !== true && loop.failures < (this.#opts.unhealthyThreshold ?? 3)) {
        log.warn({ model, version: name, upstream: subject.version.target.origin, failures: loop.failures, reason: readiness.reason }, 'readiness probe failed; version still ready')
        return
      }
    }
    if (before.ready !== readiness.ready || before.reason !== readiness.reason) this.#log(subject, readiness)
    if (role === 'held') runtime.setHeldReadiness(model, name, readiness)
    else runtime.setReadiness(model, name, readiness)
  }

  #log ({ model, version, role }: Subject, readiness: Readiness): void {
    const line = { model, version: version.name, upstream: version.config.url, ready: readiness.ready, reason: readiness.reason }
    if (role === 'next') {
      if (readiness.ready) this.#opts.log.info(line, 'version switched to its new upstream')
      else this.#opts.log.warn(line, 'new upstream not ready; the previous upstream keeps serving')
      return
    }
    const upstream = role === 'held' ? { upstream: version.target.origin, previous: true } : {}
    if (readiness.ready) this.#opts.log.info({ ...line, ...upstream }, 'version ready')
    else this.#opts.log.warn({ ...line, ...upstream }, 'version not ready')
  }

  /** One version's probe: metadata (and its contract check), then readiness. */
  async probe (model: string, version: VersionRuntime): Promise<Verdict> {
    const { target } = version
    try {
      const meta = await this.#get(target.origin, target.metadataPath)
      if (meta.status !== 200) return { ready: false, reason: `metadata ${target.metadataPath} answered ${meta.status}` }
      const metadata = meta.body
      const check = this.#opts.checkMetadata?.(model, version, metadata) ?? { ok: true }
      if (!check.ok) return { ready: false, reason: check.reason, metadata, immediate: true }
      const tensors = check.tensors
      const ready = await this.#get(target.origin, target.readyPath)
      if (ready.status !== 200) return { ready: false, reason: `readiness ${target.readyPath} answered ${ready.status}`, metadata, ...(tensors ? { tensors } : {}) }
      return { ready: true, reason: 'ready', metadata, ...(tensors ? { tensors } : {}) }
    } catch (err) {
      return { ready: false, reason: `upstream ${target.origin} unreachable: ${(err as Error).message}` }
    }
  }

  async #get (origin: string, path: string): Promise<{ status: number; body: unknown }> {
    const res = await callUpstream(this.#opts.agent, { origin, path, method: 'GET', headers: {}, deadlineMs: this.#opts.timeoutMs, maxBytes: MAX_PROBE_BYTES })
    if (!res.ok) throw new Error(res.detail)
    let body: unknown
    try {
      body = JSON.parse(res.body.toString('utf8'))
    } catch {
      body = undefined
    }
    return { status: res.status, body }
  }
}
