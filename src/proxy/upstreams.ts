/**
 * Upstream connection pools: one keep-alive undici pool per upstream origin, built only from the
 * config's URLs (nothing in a request can make the gateway call another host). Primary, shadow and
 * probe traffic get separate agents so a slow or dead shadow can never take the primary's
 * connections, and a probe never queues behind a loaded version's traffic.
 */
import { readFileSync } from 'node:fs'
import { Agent, Pool, buildConnector } from 'undici'
import type { Config } from '../config/schema.js'
import { skipUnsolicitedContinue } from './interim.js'

interface OriginSettings { connections: number; rejectUnauthorized: boolean; ca?: string | undefined }

/** Connection settings per origin, merged over every version that points at it (largest pool wins). */
export function originSettings (config: Config): Map<string, OriginSettings> {
  const out = new Map<string, OriginSettings>()
  for (const model of Object.values(config.models)) {
    for (const version of Object.values(model.versions)) {
      const origin = new URL(version.url).origin
      const prev = out.get(origin)
      const next: OriginSettings = {
        connections: Math.max(prev?.connections ?? 0, version.connections),
        rejectUnauthorized: (prev?.rejectUnauthorized ?? true) && (version.tls?.rejectUnauthorized ?? true),
        ca: prev?.ca ?? version.tls?.ca
      }
      out.set(origin, next)
    }
  }
  return out
}

/**
 * An undici Agent whose per-origin pools follow the config: keep-alive, the version's connection
 * count, and TLS verification ON (undici's default, kept on purpose: a proxy plugin's own pool may
 * turn it off). `settings` is read at pool creation, so a reload that adds
 * an origin is picked up. Primary, shadow and probe never share a pool; probes get a small one.
 */
/** Connections per origin of the probe agent: probes are two small GETs per version per interval. */
const PROBE_CONNECTIONS = 2

export function createAgent (settings: () => Map<string, OriginSettings>, role: 'primary' | 'shadow' | 'probe'): Agent {
  return new Agent({
    factory (origin, opts) {
      const s = settings().get(String(origin))
      // Shadow pools get as many connections as the primary's: they are separate sockets, and the
      // shadow's own in-flight bound (not a small pool) is what limits what a slow shadow can hold.
      const connections = role === 'probe' ? PROBE_CONNECTIONS : s === undefined ? 8 : s.connections
      return new Pool(origin, {
        ...opts,
        connections,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        connect: watched(buildConnector({
          rejectUnauthorized: s?.rejectUnauthorized ?? true,
          ...(s?.ca !== undefined ? { ca: readFileSync(s.ca) } : {})
        }))
      })
    }
  })
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
