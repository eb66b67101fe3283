/**
 * The one verdict vocabulary of the gateway: `healthy`, `degraded`, `failing`, `insufficient_data`,
 * each with reasons in plain words. `GET /status`, `headliner status` and the console all show what
 * this pure function decides from the facts it is given (windows, readiness, drift, reload, rollout).
 *
 * Rules, in order of precedence:
 * - failing: no ready serving version; or a serving version's error ratio at or above
 *   `errorRatioFailing` in a window with at least `minSamples` requests.
 * - degraded: any version not ready; a serving error ratio at or above `errorRatioDegraded` (a
 *   shadow's at or above either threshold: shadow errors reach no caller); a serving p99 above the SLO;
 *   a shadow agreeing below `agreementFloor` over at least `minSamples` decided comparisons; drift
 *   `warn` or `alert`; the last config reload refused; a rollout `rolled_back` or `aborted`.
 * - insufficient_data: nothing above, and no serving version has `minSamples` requests in 5 min.
 * - healthy otherwise.
 * Each window (5 min, then 1 min) is judged on its own; per version and measure the worst finding is
 * kept, the 5-minute one on a tie, so a burst in the last minute shows before the 5-min mean moves.
 */
import type { StatusThresholds } from './config.js'
import { DEFAULT_STATUS_THRESHOLDS } from './config.js'
import { clock, count, millis, percent, windowWords } from './format.js'

export type StatusVerdict = 'healthy' | 'degraded' | 'failing' | 'insufficient_data'

/** Exit codes of `headliner status`, by verdict: scripts and probes branch on them. */
export const EXIT_CODES: Readonly<Record<StatusVerdict, number>> = Object.freeze({ healthy: 0, degraded: 1, failing: 2, insufficient_data: 3 })

/** failing > degraded > insufficient_data > healthy: the order reasons are listed and models rolled up. */
const RANK: Readonly<Record<StatusVerdict, number>> = Object.freeze({ healthy: 0, insufficient_data: 1, degraded: 2, failing: 3 })

export type Role = 'serving' | 'shadow' | 'candidate'
export type WindowName = '1m' | '5m'
export const WINDOWS: Readonly<Record<WindowName, number>> = Object.freeze({ '1m': 60, '5m': 300 })

/** One version's replies over one window. */
export interface TrafficStats {
  seconds: number
  requests: number
  /** 5xx answers and upstream errors. */
  errors: number
  ratePerSecond: number
  errorRatio: number | null
  p50Ms: number | null
  p99Ms: number | null
}

/** One (primary, shadow) pair's comparisons over one window. */
export interface AgreementStats {
  seconds: number
  /** Every comparison, errors included. */
  total: number
  agree: number
  disagree: number
  /** agree / (agree + disagree); null when nothing was decided. */
  agreementRate: number | null
  /** Mean divergence of the comparisons that measured one; null when none did. */
  divergenceMean: number | null
}

export interface VersionFacts {
  name: string
  role: Role
  /** Percent of primary traffic (0-100); 0 for a shadow. */
  weight: number
  ready: boolean
  /** Why it is (not) ready, in words. */
  reason: string
  windows: Record<WindowName, TrafficStats>
}

export interface ShadowFacts { primary: string; shadow: string; windows: Record<WindowName, AgreementStats> }
export interface DriftFacts { verdict: 'ok' | 'warn' | 'alert' | 'insufficient_data'; worst: { name: string; psi?: number; js: number }[] }
export interface ReloadFacts { ok: boolean; at: number; error?: string }
export interface RolloutFacts {
  candidate: string
  state: 'running' | 'paused' | 'promoted' | 'rolled_back' | 'aborted'
  /** The candidate's weight now, in percent. */
  step: number
  lastDecision?: { at: number; result: string; reason: string }
}

export interface ModelFacts {
  model: string
  versions: VersionFacts[]
  shadows: ShadowFacts[]
  drift: DriftFacts | null
  reload: ReloadFacts | null
  rollout?: RolloutFacts | null
}

export interface VerdictResult { verdict: StatusVerdict; reasons: string[] }

interface Finding { level: Exclude<StatusVerdict, 'healthy'>; text: string }

const serves = (v: VersionFacts): boolean => v.role !== 'shadow' && v.weight > 0

/**
 * The verdict of one model and its reasons, worst first.
 * @example decide(facts).verdict // 'degraded'
 */
export function decide (facts: ModelFacts, t: Readonly<StatusThresholds> = DEFAULT_STATUS_THRESHOLDS): VerdictResult {
  const found: Finding[] = []
  const serving = facts.versions.filter(serves)
  if (!serving.some((v) => v.ready)) found.push({ level: 'failing', text: 'no ready serving version' })
  for (const v of facts.versions) {
    if (!v.ready) found.push({ level: 'degraded', text: `${v.role === 'shadow' ? 'shadow ' : ''}${v.name} not ready: ${v.reason}` })
    if (v.role === 'shadow' || serves(v)) found.push(...traffic(v, t))
  }
  for (const s of facts.shadows) {
    const f = worst(windowsOf(s.windows).map(([, w]) => agreement(s, w, t)))
    if (f !== undefined) found.push(f)
  }
  const d = facts.drift
  if (d !== null && (d.verdict === 'warn' || d.verdict === 'alert')) {
    const names = d.worst.map((f) => f.psi !== undefined ? `${f.name} (PSI ${f.psi.toFixed(2)})` : `${f.name} (JS ${f.js.toFixed(2)})`)
    found.push({ level: 'degraded', text: `drift ${d.verdict}${names.length > 0 ? ` on ${names.join(', ')}` : ''}` })
  }
  const r = facts.reload
  if (r !== null && !r.ok) found.push({ level: 'degraded', text: `config reload refused at ${clock(r.at)}: ${r.error ?? 'no reason given'}; the previous config still serves` })
  const ro = facts.rollout
  if (ro != null && (ro.state === 'rolled_back' || ro.state === 'aborted')) {
    const why = ro.lastDecision !== undefined ? `: ${ro.lastDecision.reason}` : ''
    found.push({ level: 'degraded', text: `rollout of ${ro.candidate} ${ro.state === 'rolled_back' ? 'rolled back' : 'aborted'} at ${ro.step} %${why}` })
  }
  if (!found.some((f) => f.level === 'failing' || f.level === 'degraded') && serving.length > 0 &&
      !serving.some((v) => v.windows['5m'].requests >= t.minSamples)) {
    const seen = serving.map((v) => `${v.name}: ${count(v.windows['5m'].requests)}`).join(', ')
    found.push({ level: 'insufficient_data', text: `no serving version has ${count(t.minSamples)} requests over ${windowWords(WINDOWS['5m'])} (${seen})` })
  }
  found.sort((a, b) => RANK[b.level] - RANK[a.level])
  return { verdict: found[0]?.level ?? 'healthy', reasons: found.map((f) => f.text) }
}

/** The worst verdict over models (the CLI's exit code); no models at all is insufficient data. */
export function worstVerdict (verdicts: readonly StatusVerdict[]): StatusVerdict {
  if (verdicts.length === 0) return 'insufficient_data'
  return verdicts.reduce((a, b) => RANK[b] > RANK[a] ? b : a, 'healthy')
}

function windowsOf<T> (w: Record<WindowName, T>): [WindowName, T][] {
  return [['5m', w['5m']], ['1m', w['1m']]]
}

/** Error ratio and p99 of one version, each the worst over the windows with enough requests. */
function traffic (v: VersionFacts, t: Readonly<StatusThresholds>): Finding[] {
  const errors: (Finding | undefined)[] = []
  const latency: (Finding | undefined)[] = []
  for (const [, w] of windowsOf(v.windows)) {
    if (w.requests < t.minSamples) continue
    const over = windowWords(w.seconds)
    const ratio = w.errorRatio ?? 0
    const level = ratio >= t.errorRatioFailing && v.role !== 'shadow' ? 'failing' : ratio >= t.errorRatioDegraded ? 'degraded' : undefined
    if (level !== undefined) {
      errors.push({ level, text: `${v.role === 'shadow' ? 'shadow ' : ''}${v.name} error ratio ${percent(ratio)} (${count(w.errors)} of ${count(w.requests)} requests) over ${over}, at or above the ${percent(level === 'failing' ? t.errorRatioFailing : t.errorRatioDegraded)} threshold` })
    }
    if (v.role !== 'shadow' && w.p99Ms !== null && w.p99Ms > t.p99SloMs) {
      latency.push({ level: 'degraded', text: `${v.name} p99 ${millis(w.p99Ms)} over ${over}, above the ${millis(t.p99SloMs)} SLO` })
    }
  }
  return [worst(errors), worst(latency)].filter((f): f is Finding => f !== undefined)
}

function agreement (s: ShadowFacts, w: AgreementStats, t: Readonly<StatusThresholds>): Finding | undefined {
  const decided = w.agree + w.disagree
  if (decided < t.minSamples || w.agreementRate === null || w.agreementRate >= t.agreementFloor) return undefined
  return { level: 'degraded', text: `shadow ${s.shadow} agrees with ${s.primary} on ${percent(w.agreementRate)} of ${count(decided)} requests over ${windowWords(w.seconds)}, below the ${percent(t.agreementFloor)} floor` }
}

/** The most severe finding; the first (the 5-minute window) on a tie. */
function worst (findings: readonly (Finding | undefined)[]): Finding | undefined {
  let out: Finding | undefined
  for (const f of findings) if (f !== undefined && (out === undefined || RANK[f.level] > RANK[out.level])) out = f
  return out
}
