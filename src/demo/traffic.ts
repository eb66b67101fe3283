/**
 * `headliner demo traffic`: realistic song traffic against a gateway at a steady rate, optionally
 * drifted, so a user can watch latency, shadows and drift move on the dashboard. Bounded: it stops
 * after `durationMs` and never has more than `maxInflight` requests open.
 */
import { Agent, request } from 'undici'
import { generateSong, mulberry32, songToRow } from './songs.js'

export interface TrafficOptions {
  url: string
  model: string
  rps: number
  durationMs: number
  /** 0 (training-like songs) to 1 (strongly shifted). */
  drift: number
  /** Send named features to KServe v1 `:predict` instead of OIP v2 tensors. */
  named: boolean
  /** Users for the sticky header; 0 sends none. */
  users: number
  seed: number
  maxInflight?: number
}

export interface TrafficReport {
  sent: number; ok: number; failed: number; skipped: number; byVersion: Record<string, number>
  /** Why the first failed request failed (`connect ECONNREFUSED ...`, `HTTP 404: ...`), so the CLI can say it. */
  firstFailure?: string
}

export async function runTraffic (opts: TrafficOptions, onProgress?: (r: TrafficReport) => void): Promise<TrafficReport> {
  const random = mulberry32(opts.seed)
  const agent = new Agent({ connections: 16 })
  const report: TrafficReport = { sent: 0, ok: 0, failed: 0, skipped: 0, byVersion: {} }
  const maxInflight = opts.maxInflight ?? 256
  let inflight = 0
  const pending = new Set<Promise<void>>()
  const started = Date.now()
  const path = opts.named ? `/v1/models/${opts.model}:predict` : `/v2/models/${opts.model}/infer`

  const one = async (): Promise<void> => {
    const song = generateSong(random, opts.drift)
    const body = opts.named
      ? JSON.stringify({ instances: [song] })
      : JSON.stringify({ inputs: [{ name: 'song_features', shape: [1, 12], datatype: 'FP32', data: songToRow(song) }] })
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (opts.users > 0) headers['x-user-id'] = `user-${Math.floor(random() * opts.users)}`
    try {
      const res = await request(opts.url + path, { method: 'POST', body, headers, dispatcher: agent })
      await res.body.dump()
      const version = String(res.headers['x-headliner-version'] ?? 'none')
      report.byVersion[version] = (report.byVersion[version] ?? 0) + 1
      if (res.statusCode === 200) report.ok++
      else {
        report.failed++
        report.firstFailure ??= `HTTP ${res.statusCode} from ${opts.url + path}`
      }
    } catch (err) {
      report.failed++
      report.firstFailure ??= (err as Error).message
    }
  }

  let lastProgress = started
  while (Date.now() - started < opts.durationMs) {
    const due = Math.floor(((Date.now() - started) / 1000) * opts.rps)
    while (report.sent + report.skipped < due) {
      if (inflight >= maxInflight) {
        report.skipped++
        continue
      }
      report.sent++
      inflight++
      const p = one().finally(() => { inflight--; pending.delete(p) })
      pending.add(p)
    }
    if (onProgress !== undefined && Date.now() - lastProgress >= 5000) {
      lastProgress = Date.now()
      onProgress(report)
    }
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  await Promise.all(pending)
  await agent.close()
  return report
}

/** Parse "60s", "2m", "500ms" or a number of seconds. */
export function parseDuration (text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim())
  if (m === null) throw new Error(`--duration: expected a duration like 60s, 2m or 500ms, got "${text}"`)
  const n = Number(m[1])
  return m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000
}
