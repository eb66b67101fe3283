/**
 * In-process sliding windows over the last 1 and 5 minutes, per model and version, for `GET /status`:
 * the answer is right where no Prometheus runs. An observer of the request path: `afterReply` and
 * `recordComparison` are O(1) and allocate nothing once a series exists.
 *
 * Each series is a ring of 60 buckets of 5 s (count, errors, max, an 80-bucket log latency histogram;
 * or agree/disagree/errors and a divergence sum for a shadow pair), so memory is fixed per series:
 * about 27 KB for replies, 3 KB for a pair. A bucket is reused when its slot comes round again (its
 * epoch tells a stale slot from a live one), so nothing runs on a timer. Series idle for longer than
 * the 5-minute window are dropped when room is needed, and `maxSeries` bounds their number (a version
 * name comes from the config, but the bound must not depend on that).
 */
import { BUCKETS, bucketOf, quantile } from './histogram.js'
import { WINDOWS, type AgreementStats, type TrafficStats, type WindowName } from './verdict.js'

/** What the windows need of one finished call: the request path's reply, or a shadow's. */
export interface ReplyCall {
  model: string
  version: string
  role: 'primary' | 'shadow'
  status: number
  durationMs: number
  /** Set when the upstream failed (timeout, connect, protocol...): an error whatever the status. */
  upstreamError?: string
}

/** One shadow comparison (the `headliner_shadow_comparisons_total` outcomes). */
export interface ComparisonCall {
  model: string
  primary: string
  shadow: string
  outcome: 'agree' | 'disagree' | 'shadow_error' | 'primary_error' | 'incomparable'
  /** The comparison's divergence (mean JS, bits) when it measured one. */
  divergence?: number
}

export interface StatusWindowsOptions {
  /** Clock in epoch milliseconds. */
  now: () => number
  /** Width of a bucket; the ring covers 5 minutes. Default 5000. */
  bucketMs?: number
  /** Most series kept (replies and pairs together). Default 512. */
  maxSeries?: number
}

/** Per-bucket values of one version over the ring, oldest first, for the console's charts. */
export interface Timeline {
  bucketSeconds: number
  /** Epoch seconds of the oldest bucket's start. */
  start: number
  requestsPerSecond: number[]
  errorRatio: (number | null)[]
  p99Ms: (number | null)[]
  /** A shadow's agreement rate per bucket, over every primary it is compared with. */
  agreement: (number | null)[]
}

const RING_MS = WINDOWS['5m'] * 1000

class Ring {
  readonly epochs: Float64Array
  lastAt = -Infinity
  constructor (readonly size: number, readonly fields: Float64Array[]) {
    this.epochs = new Float64Array(size).fill(-1)
  }

  /** The slot of bucket `idx`, cleared first when it still holds an older bucket. */
  slot (idx: number, clear: (slot: number) => void): number {
    const s = idx % this.size
    if (this.epochs[s] !== idx) {
      this.epochs[s] = idx
      for (const f of this.fields) f[s] = 0
      clear(s)
    }
    return s
  }
}

class TrafficRing extends Ring {
  readonly requests = new Float64Array(this.size)
  readonly errors = new Float64Array(this.size)
  readonly maxMs = new Float64Array(this.size)
  readonly hist = new Uint32Array(this.size * BUCKETS)
  constructor (size: number) {
    super(size, [])
    this.fields.push(this.requests, this.errors, this.maxMs)
  }
}

class PairRing extends Ring {
  readonly agree = new Float64Array(this.size)
  readonly disagree = new Float64Array(this.size)
  readonly total = new Float64Array(this.size)
  readonly divSum = new Float64Array(this.size)
  readonly divN = new Float64Array(this.size)
  constructor (size: number, readonly primary: string, readonly shadow: string) {
    super(size, [])
    this.fields.push(this.agree, this.disagree, this.total, this.divSum, this.divN)
  }
}

export class StatusWindows {
  readonly #now: () => number
  readonly #bucketMs: number
  readonly #size: number
  readonly #maxSeries: number
  readonly #since: number
  readonly #traffic = new Map<string, TrafficRing>()
  readonly #pairs = new Map<string, PairRing>()
  #dropped = 0

  constructor (options: StatusWindowsOptions) {
    const bucketMs = options.bucketMs ?? 5000
    if (!(bucketMs > 0) || RING_MS % bucketMs !== 0 || (WINDOWS['1m'] * 1000) % bucketMs !== 0) throw new RangeError(`StatusWindows: bucketMs must divide 60000, got ${bucketMs}`)
    this.#now = options.now
    this.#bucketMs = bucketMs
    this.#size = RING_MS / bucketMs
    this.#maxSeries = options.maxSeries ?? 512
    this.#since = options.now()
  }

  afterReply (call: ReplyCall): void {
    const now = this.#now()
    const ring = this.#series(this.#traffic, `${call.model}\u0000${call.version}\u0000${call.role}`, now, () => new TrafficRing(this.#size))
    if (ring === undefined) return
    const s = ring.slot(Math.floor(now / this.#bucketMs), (slot) => ring.hist.fill(0, slot * BUCKETS, (slot + 1) * BUCKETS))
    ring.requests[s]!++
    if (call.status >= 500 || call.upstreamError !== undefined) ring.errors[s]!++
    const ms = Number.isFinite(call.durationMs) && call.durationMs >= 0 ? call.durationMs : 0
    if (ms > ring.maxMs[s]!) ring.maxMs[s] = ms
    ring.hist[s * BUCKETS + bucketOf(ms)]!++
  }

  recordComparison (c: ComparisonCall): void {
    const now = this.#now()
    const ring = this.#series(this.#pairs, `${c.model}\u0000${c.primary}\u0000${c.shadow}`, now, () => new PairRing(this.#size, c.primary, c.shadow))
    if (ring === undefined) return
    const s = ring.slot(Math.floor(now / this.#bucketMs), () => {})
    ring.total[s]!++
    if (c.outcome === 'agree') ring.agree[s]!++
    else if (c.outcome === 'disagree') ring.disagree[s]!++
    if (c.divergence !== undefined && Number.isFinite(c.divergence)) { ring.divSum[s]! += c.divergence; ring.divN[s]!++ }
  }

  /** Replies of one version over 1 and 5 minutes (zeros when it had none). */
  traffic (model: string, version: string, role: ReplyCall['role'] = 'primary'): Record<WindowName, TrafficStats> {
    const ring = this.#traffic.get(`${model}\u0000${version}\u0000${role}`)
    return { '1m': this.#trafficOver(ring, WINDOWS['1m']), '5m': this.#trafficOver(ring, WINDOWS['5m']) }
  }

  /** Every (primary, shadow) pair of a model with comparisons in the ring. */
  pairs (model: string): { primary: string; shadow: string; windows: Record<WindowName, AgreementStats> }[] {
    const out = []
    for (const [key, ring] of this.#pairs) {
      if (!key.startsWith(`${model}\u0000`)) continue
      out.push({ primary: ring.primary, shadow: ring.shadow, windows: { '1m': this.#agreementOver(ring, WINDOWS['1m']), '5m': this.#agreementOver(ring, WINDOWS['5m']) } })
    }
    return out
  }

  /** Per-bucket requests/s, error ratio, p99 and (for a shadow) agreement over the last 5 minutes. */
  timeline (model: string, version: string, role: ReplyCall['role'] = 'primary'): Timeline {
    const nowIdx = Math.floor(this.#now() / this.#bucketMs)
    const ring = this.#traffic.get(`${model}\u0000${version}\u0000${role}`)
    const pairs = [...this.#pairs].filter(([key, p]) => p.shadow === version && key.startsWith(`${model}\u0000`)).map(([, p]) => p)
    const out: Timeline = { bucketSeconds: this.#bucketMs / 1000, start: (nowIdx - this.#size + 1) * this.#bucketMs / 1000, requestsPerSecond: [], errorRatio: [], p99Ms: [], agreement: [] }
    for (let idx = nowIdx - this.#size + 1; idx <= nowIdx; idx++) {
      const t = this.#trafficOf(ring, idx, idx)
      out.requestsPerSecond.push(t.requests / (this.#bucketMs / 1000))
      out.errorRatio.push(t.requests > 0 ? t.errors / t.requests : null)
      out.p99Ms.push(quantile(t.hist, t.requests, 0.99, t.maxMs))
      let agree = 0; let decided = 0
      for (const p of pairs) {
        const s = idx % this.#size
        if (p.epochs[s] === idx) { agree += p.agree[s]!; decided += p.agree[s]! + p.disagree[s]! }
      }
      out.agreement.push(decided > 0 ? agree / decided : null)
    }
    return out
  }

  stats (): { series: number; dropped: number } {
    return { series: this.#traffic.size + this.#pairs.size, dropped: this.#dropped }
  }

  #series<R extends Ring> (map: Map<string, R>, key: string, now: number, make: () => R): R | undefined {
    let ring = map.get(key)
    if (ring === undefined) {
      if (this.stats().series >= this.#maxSeries) this.#evictIdle(now)
      if (this.stats().series >= this.#maxSeries) { this.#dropped++; return undefined }
      ring = make()
      map.set(key, ring)
    }
    ring.lastAt = now
    return ring
  }

  /** Drops the series with nothing in the ring any more: their windows would read all zeros. */
  #evictIdle (now: number): void {
    for (const map of [this.#traffic, this.#pairs] as Map<string, Ring>[]) {
      for (const [key, ring] of map) if (now - ring.lastAt > RING_MS) map.delete(key)
    }
  }

  /** The buckets of the last `seconds`, and the milliseconds they cover (the current one is partial). */
  #range (seconds: number): { from: number; to: number; spanMs: number } {
    const now = this.#now()
    const to = Math.floor(now / this.#bucketMs)
    const from = to - (seconds * 1000) / this.#bucketMs + 1
    const spanMs = Math.max(1, Math.min(now - from * this.#bucketMs, now - this.#since))
    return { from, to, spanMs }
  }

  #trafficOf (ring: TrafficRing | undefined, from: number, to: number): { requests: number; errors: number; maxMs: number; hist: Uint32Array } {
    const hist = new Uint32Array(BUCKETS)
    let requests = 0; let errors = 0; let maxMs = 0
    if (ring !== undefined) {
      for (let idx = Math.max(from, to - this.#size + 1); idx <= to; idx++) {
        const s = idx % this.#size
        if (ring.epochs[s] !== idx) continue
        requests += ring.requests[s]!; errors += ring.errors[s]!; maxMs = Math.max(maxMs, ring.maxMs[s]!)
        for (let b = 0; b < BUCKETS; b++) hist[b]! += ring.hist[s * BUCKETS + b]!
      }
    }
    return { requests, errors, maxMs, hist }
  }

  #trafficOver (ring: TrafficRing | undefined, seconds: number): TrafficStats {
    const { from, to, spanMs } = this.#range(seconds)
    const t = this.#trafficOf(ring, from, to)
    return {
      seconds,
      requests: t.requests,
      errors: t.errors,
      ratePerSecond: t.requests / (spanMs / 1000),
      errorRatio: t.requests > 0 ? t.errors / t.requests : null,
      p50Ms: quantile(t.hist, t.requests, 0.5, t.maxMs),
      p99Ms: quantile(t.hist, t.requests, 0.99, t.maxMs)
    }
  }

  #agreementOver (ring: PairRing, seconds: number): AgreementStats {
    const { from, to } = this.#range(seconds)
    let agree = 0; let disagree = 0; let total = 0; let divSum = 0; let divN = 0
    for (let idx = from; idx <= to; idx++) {
      const s = idx % this.#size
      if (ring.epochs[s] !== idx) continue
      agree += ring.agree[s]!; disagree += ring.disagree[s]!; total += ring.total[s]!; divSum += ring.divSum[s]!; divN += ring.divN[s]!
    }
    return { seconds, total, agree, disagree, agreementRate: agree + disagree > 0 ? agree / (agree + disagree) : null, divergenceMean: divN > 0 ? divSum / divN : null }
  }
}
