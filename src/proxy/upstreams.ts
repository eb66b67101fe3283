/**
 * Upstream connection pools: one keep-alive undici pool per upstream origin, built only from the
 * config's URLs (nothing in a request can make the gateway call another host). Primary, shadow and
 * probe traffic get separate sets of pools so a slow or dead shadow can never take the primary's
 * connections, and a probe never queues behind a loaded version's traffic. The pool of an origin no
 * version uses any more (a reload moved it, and any previous upstream held for it has handed over)
 * is retired: closed once its in-flight requests finish, destroyed after a bounded grace.
 */
import { readFileSync } from 'node:fs'
import { Dispatcher, Pool, buildConnector } from 'undici'
import type { Config, VersionConfig } from '../config/schema.js'
import { skipUnsolicitedContinue } from './interim.js'

interface OriginSettings { connections: number; rejectUnauthorized: boolean; ca?: string | undefined }

/**
 * Connection settings per origin, merged over every version that points at it (largest pool wins);
 * `held` adds the configs of previous upstreams still serving across a reload.
 */
export function originSettings (config: Config, held: Iterable<VersionConfig> = []): Map<string, OriginSettings> {
  const out = new Map<string, OriginSettings>()
  const versions = [...Object.values(config.models).flatMap((m) => Object.values(m.versions)), ...held]
  for (const version of versions) {
    const origin = new URL(version.url).origin
    const prev = out.get(origin)
    out.set(origin, {
      connections: Math.max(prev?.connections ?? 0, version.connections),
      rejectUnauthorized: (prev?.rejectUnauthorized ?? true) && (version.tls?.rejectUnauthorized ?? true),
      ca: prev?.ca ?? version.tls?.ca
    })
  }
  return out
}

/** Connections per origin of the probe pools: probes are two small GETs per version per interval. */
const PROBE_CONNECTIONS = 2

/**
 * Pools whose settings follow the config: keep-alive, the version's connection count, and TLS
 * verification ON (undici's default, kept on purpose: a proxy plugin's own pool may turn it off).
 * `settings` is read at pool creation, so a reload that adds an origin is picked up. Primary, shadow
 * and probe never share a pool; probes get a small one.
 */
export function createAgent (settings: () => Map<string, OriginSettings>, role: 'primary' | 'shadow' | 'probe'): UpstreamPools {
  return new UpstreamPools((origin) => {
    const s = settings().get(origin)
    // Shadow pools get as many connections as the primary's: they are separate sockets, and the
    // shadow's own in-flight bound (not a small pool) is what limits what a slow shadow can hold.
    const connections = role === 'probe' ? PROBE_CONNECTIONS : s === undefined ? 8 : s.connections
    return new Pool(origin, {
      connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connect: watched(buildConnector({
        rejectUnauthorized: s?.rejectUnauthorized ?? true,
        ...(s?.ca !== undefined ? { ca: readFileSync(s.ca) } : {})
      }))
    })
  })
}

/** One pool per origin, made on first use; `retire` closes the ones no version needs any more. */
export class UpstreamPools extends Dispatcher {
  readonly #pools = new Map<string, Pool>()
  readonly #make: (origin: string) => Pool

  constructor (make: (origin: string) => Pool) {
    super()
    this.#make = make
  }

  override dispatch (opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const origin = String(opts.origin)
    let pool = this.#pools.get(origin)
    if (pool === undefined) {
      pool = this.#make(origin)
      this.#pools.set(origin, pool)
    }
    return pool.dispatch(opts, handler)
  }

  /** Origins with a pool now. */
  get origins (): string[] { return [...this.#pools.keys()] }

  /**
   * Close the pools of the origins not in `keep`: their in-flight requests finish (each is bounded
   * by its own deadline), and whatever is left after `graceMs` is destroyed. A request of an older
   * snapshot that still goes to a retired origin gets a new pool (retired again at the next swap).
   */
  retire (keep: ReadonlySet<string>, graceMs: number): void {
    for (const [origin, pool] of this.#pools) {
      if (keep.has(origin)) continue
      this.#pools.delete(origin)
      const timer = setTimeout(() => { pool.destroy().catch(() => {}) }, graceMs)
      timer.unref()
      pool.close().catch(() => {}).finally(() => { clearTimeout(timer) })
    }
  }

  override close (): Promise<void>
  override close (callback: () => void): void
  override close (callback?: () => void): Promise<void> | void {
    return this.#all((p) => p.close(), callback)
  }

  override destroy (): Promise<void>
  override destroy (err: Error | null): Promise<void>
  override destroy (callback: () => void): void
  override destroy (err: Error | null, callback: () => void): void
  override destroy (a?: Error | null | (() => void), b?: () => void): Promise<void> | void {
    const err = typeof a === 'function' ? null : a ?? null
    return this.#all((p) => p.destroy(err), typeof a === 'function' ? a : b)
  }

  #all (each: (p: Pool) => Promise<void>, callback: (() => void) | undefined): Promise<void> | void {
    const pools = [...this.#pools.values()]
    this.#pools.clear()
    const done = Promise.all(pools.map(each)).then(() => {})
    if (callback === undefined) return done
    done.then(callback, callback)
  }
}

/** undici's connector, with every socket it opens watched for unsolicited `100 Continue` (src/proxy/interim.ts). */
function watched (connect: buildConnector.connector): buildConnector.connector {
  return (options, callback) => {
    connect(options, (...args) => {
      // on a connect error undici passes (err) alone: args[1] is undefined, not null
      if (args[0] === null && args[1] != null) skipUnsolicitedContinue(args[1])
      callback(...args)
    })
  }
}
