/**
 * The gateway's three sets of upstream pools (primary, shadow, probe) following the runtime's
 * snapshots: the connection settings of every origin a version uses, including a previous upstream
 * that still serves across a reload, and the retirement of the pools no version uses any more.
 *
 * A pool is retired only once no snapshot routes to its origin: a version moved by a reload keeps
 * its previous upstream's pool open until the new URL is ready and the traffic has moved. The
 * requests already in flight there finish within their own deadline (the longest primary or shadow
 * timeout of the config); a second later whatever is left is destroyed.
 */
import type { Config } from '../config/schema.js'
import type { Runtime } from '../runtime/runtime.js'
import type { Snapshot } from '../runtime/snapshot.js'
import { createAgent, originSettings, type UpstreamPools } from './upstreams.js'

export interface GatewayPools {
  primary: UpstreamPools
  shadow: UpstreamPools
  probe: UpstreamPools
  /** Stop following swaps and close every pool (the primary's gracefully, the others at once). */
  close (): Promise<void>
}

export function followPools (runtime: Runtime): GatewayPools {
  let origins = settingsOf(runtime.snapshot)
  const primary = createAgent(() => origins, 'primary')
  const shadow = createAgent(() => origins, 'shadow')
  const probe = createAgent(() => origins, 'probe')
  const unsubscribe = runtime.onSwap((s) => {
    origins = settingsOf(s)
    const keep = usedOrigins(s)
    const graceMs = retireGraceMs(s.config)
    for (const pools of [primary, shadow, probe]) pools.retire(keep, graceMs)
  })
  return {
    primary,
    shadow,
    probe,
    async close () {
      unsubscribe()
      await primary.close()
      await shadow.destroy()
      await probe.destroy()
    }
  }
}

function settingsOf (s: Snapshot): ReturnType<typeof originSettings> {
  const held = [...s.models.values()].flatMap((m) => [...m.versions.values()].flatMap((v) => v.next === undefined ? [] : [v.next.servingConfig]))
  return originSettings(s.config, held)
}

/** Every origin a version of the snapshot calls or probes: its target, and the file's new URL while a previous one is held. */
export function usedOrigins (s: Snapshot): Set<string> {
  const out = new Set<string>()
  for (const model of s.models.values()) {
    for (const v of model.versions.values()) {
      out.add(v.target.origin)
      if (v.next !== undefined) out.add(v.next.target.origin)
    }
  }
  return out
}

/** Longer than any call in flight can last: the longest primary or shadow deadline of the config, plus a second. */
export function retireGraceMs (config: Config): number {
  let longest = 0
  for (const m of Object.values(config.models)) longest = Math.max(longest, m.timeoutMs, m.shadow?.timeoutMs ?? 0)
  return longest + 1000
}
