/**
 * Readiness probing: every version's upstream is asked for its model metadata and readiness
 * (OIP `GET /v2/models/{m}` and `/v2/models/{m}/ready`) at start and then periodically. A version
 * that does not answer ready, or whose metadata contradicts its transform, is marked not ready with
 * a reason, and the routing table moves its traffic to the ready versions.
 */
import type { Dispatcher } from 'undici'
import type { Logger } from 'pino'
import type { Runtime } from '../runtime/runtime.js'
import type { Readiness, VersionRuntime } from '../runtime/snapshot.js'
import { callUpstream } from './client.js'

/** Largest metadata or readiness answer read from an upstream. */
const MAX_PROBE_BYTES = 1024 * 1024

/** Extra checks on a version's metadata (the transform contract): a reason to refuse, or the tensor names to use. */
export type MetadataCheck = (model: string, version: VersionRuntime, metadata: unknown) =>
  { ok: false; reason: string } | { ok: true; tensors?: { input: string; output: string } }

export interface ProberOptions {
  runtime: Runtime
  agent: Dispatcher
  log: Logger
  intervalMs: number
  timeoutMs: number
  checkMetadata?: MetadataCheck
}

export class ReadinessProber {
  readonly #opts: ProberOptions
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined

  constructor (opts: ProberOptions) {
    this.#opts = opts
  }

  /** Probe every version once; resolves when all answered or timed out. */
  probeAll (): Promise<void> {
    this.#running ??= this.#probeAll().finally(() => { this.#running = undefined })
    return this.#running
  }

  start (): void {
    this.stop()
    this.#timer = setInterval(() => {
      this.probeAll().catch((err: unknown) => { this.#opts.log.error({ err }, 'readiness probe round failed') })
    }, this.#opts.intervalMs)
    this.#timer.unref()
  }

  stop (): void {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
  }

  async #probeAll (): Promise<void> {
    const { runtime, log } = this.#opts
    const jobs: Promise<void>[] = []
    for (const model of runtime.snapshot.models.values()) {
      for (const version of model.versions.values()) {
        jobs.push(this.probe(model.name, version).then((r) => {
          const before = runtime.model(model.name)?.versions.get(version.name)?.readiness
          if (before?.ready !== r.ready || before.reason !== r.reason) {
            const line = { model: model.name, version: version.name, ready: r.ready, reason: r.reason }
            if (r.ready) log.info(line, 'version ready')
            else log.warn(line, 'version not ready')
          }
          runtime.setReadiness(model.name, version.name, r)
        }))
      }
    }
    await Promise.all(jobs)
  }

  /** One version's probe: metadata (and its contract check), then readiness. */
  async probe (model: string, version: VersionRuntime): Promise<Readiness> {
    const { target } = version
    try {
      const meta = await this.#get(target.origin, target.metadataPath)
      if (meta.status !== 200) return { ready: false, reason: `metadata ${target.metadataPath} answered ${meta.status}` }
      const metadata = meta.body
      const check = this.#opts.checkMetadata?.(model, version, metadata) ?? { ok: true }
      if (!check.ok) return { ready: false, reason: check.reason, metadata }
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
