/**
 * The rollout gates. Each is a pure function of the step's cumulative counts and returns a
 * GateResult: pass (positive evidence the candidate is fine), fail (significant deterioration) or
 * inconclusive (neither yet: absence of evidence is never a pass).
 *
 * Error budget: a false abort of a healthy candidate must stay below `alpha` over the whole rollout,
 * however often the gates are evaluated. Each gate that can fail on a statistical test gets an equal
 * share `alpha / k` (Bonferroni over the k abort tests); within a gate the two ways to pass (relative
 * margin, absolute floor) get `alpha / 2` each, so a bad candidate passes a gate with probability <= alpha.
 */
import { jsDistance } from '../drift/math.js'
import { eventShare, lnEvalue, lnEvalueRateBelow } from './count-test.js'
import { betaMixtureBounds } from './sequence.js'
import { gammaQ, lnGamma } from './stats.js'
import type { CountGateSettings, GateName, GateResult, GateSettings, Observations, VersionCounts, Weights } from './types.js'

export interface GateContext {
  settings: GateSettings
  candidate: string
  baseline: string
  /** Weights of the current step: the randomisation the tests condition on. */
  weights: Weights
}

const ZERO: VersionCounts = { requests: 0, errors: 0, slow: 0 }

// Plain string work, not Intl: the simulation formats millions of these and Intl costs microseconds each.
const PERCENT = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 3 })
/** An integer with thousands separators: 20790 -> "20,790". */
export const n = (v: number): string => String(Math.round(v)).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
const e = (v: number): string => (v >= 1e6 ? v.toExponential(1) : v >= 100 ? n(v) : v.toPrecision(2))
const pct = (v: number): string => `${PERCENT.format(100 * v)} %`

/** Number of gates with a statistical abort test: errors, latency and, when set, predictions. */
export function abortTests (settings: GateSettings): number {
  return 2 + (settings.predictions ? 1 : 0)
}

function countsOf (obs: Observations, version: string): VersionCounts {
  return obs.versions[version] ?? ZERO
}

/**
 * The errors or latency gate. The share rho is the step's weight split between the two versions, not
 * the realised share: with per-request randomisation the weight is the exact probability an event is
 * the candidate's, which keeps the e-value a supermartingale; the realised split is checked by the SRM
 * gate, which pauses the rollout when it disagrees with the weights.
 */
export function countGate (gate: 'errors' | 'latency', ctx: GateContext, obs: Observations): GateResult {
  const s: CountGateSettings = ctx.settings[gate]
  const field = gate === 'errors' ? 'errors' : 'slow'
  const what = gate === 'errors' ? 'errors' : `slow (> ${n(ctx.settings.latency.sloMs)} ms)`
  const c = countsOf(obs, ctx.candidate)
  const b = countsOf(obs, ctx.baseline)
  const x = c[field]
  const y = b[field]
  const wc = ctx.weights[ctx.candidate] ?? 0
  const wb = ctx.weights[ctx.baseline] ?? 0
  const counts = { candidateRequests: c.requests, candidateEvents: x, baselineRequests: b.requests, baselineEvents: y, candidateWeight: wc, baselineWeight: wb }
  const failAt = abortTests(ctx.settings) / ctx.settings.alpha
  const passAt = 2 / ctx.settings.alpha
  const head = `${ctx.candidate} ${what} ${n(x)} of ${n(c.requests)} vs ${ctx.baseline} ${n(y)} of ${n(b.requests)}`
  if (c.requests === 0 || b.requests === 0 || !(wc > 0 && wb > 0)) {
    return { gate, result: 'inconclusive', statistic: 0, threshold: failAt, counts, words: `${head}: no traffic to compare` }
  }
  const rho = wc / (wc + wb)
  // Deterioration: H0 "candidate rate <= baseline rate" (theta <= rho), prior centred on a 2x regression.
  const eWorse = Math.exp(lnEvalue('above', x, y, rho, eventShare(rho, 2)))
  if (eWorse >= failAt && x / c.requests > s.floor) {
    return { gate, result: 'fail', statistic: eWorse, threshold: failAt, counts, words: `${head}: e-value ${e(eWorse)} >= ${n(failAt)}, the candidate's ${gate === 'errors' ? 'error rate' : 'slow share'} is higher than the baseline's` }
  }
  // Non-inferiority: H0 "candidate rate >= margin x baseline", prior centred on equal rates.
  const eWithin = Math.exp(lnEvalue('below', x, y, eventShare(rho, s.margin), rho))
  const eFloor = Math.exp(lnEvalueRateBelow(x, c.requests, s.floor))
  const enough = c.requests >= s.minSamples
  if (enough && eWithin >= passAt) {
    return { gate, result: 'pass', statistic: eWithin, threshold: passAt, counts, words: `${head}: e-value ${e(eWithin)} >= ${n(passAt)}, the candidate is within ${s.margin}x the baseline` }
  }
  if (enough && eFloor >= passAt) {
    return { gate, result: 'pass', statistic: eFloor, threshold: passAt, counts, words: `${head}: e-value ${e(eFloor)} >= ${n(passAt)}, the candidate's rate is below the floor ${pct(s.floor)}` }
  }
  const need = enough ? '' : `; ${n(c.requests)} of ${n(s.minSamples)} candidate requests needed`
  return {
    gate, result: 'inconclusive', statistic: Math.max(eWithin, eFloor), threshold: passAt, counts,
    words: `${head}: e-values ${e(eWorse)} (worse, needs ${n(failAt)}), ${e(eWithin)} (within ${s.margin}x) and ${e(eFloor)} (below ${pct(s.floor)}) need ${n(passAt)}${need}`
  }
}

/** Shadow agreement: an anytime-valid confidence sequence for the agreement rate against the floor. */
export function predictionsGate (ctx: GateContext, obs: Observations): GateResult | undefined {
  const s = ctx.settings.predictions
  if (!s) return undefined
  const { agree, total } = obs.agreement ?? { agree: 0, total: 0 }
  const alpha = ctx.settings.alpha / abortTests(ctx.settings)
  const [lower, upper] = betaMixtureBounds(agree, total, alpha)
  const counts = { agree, total, lower, upper }
  const head = `${ctx.candidate} agrees with ${ctx.baseline} on ${n(agree)} of ${n(total)} shadowed requests: ${pct(1 - alpha)} confidence sequence [${lower.toFixed(3)}, ${upper.toFixed(3)}]`
  if (upper < s.agreementFloor) return { gate: 'predictions', result: 'fail', statistic: upper, threshold: s.agreementFloor, counts, words: `${head} is below the floor ${s.agreementFloor}` }
  if (total >= s.minPairs && lower >= s.agreementFloor) return { gate: 'predictions', result: 'pass', statistic: lower, threshold: s.agreementFloor, counts, words: `${head} is above the floor ${s.agreementFloor}` }
  const need = total >= s.minPairs ? '' : `; ${n(s.minPairs)} pairs needed`
  return { gate: 'predictions', result: 'inconclusive', statistic: lower, threshold: s.agreementFloor, counts, words: `${head} contains the floor ${s.agreementFloor}${need}` }
}

/**
 * Prediction drift: JS distance of the candidate's class mix vs the baseline's over the step. Not a
 * sequential test; it waits until sampling noise alone is at most half of `jsMax`: for two samples
 * the noise distance is about sqrt((k - 1) / (8 ln2 n_eff)), n_eff = n_c n_b / (n_c + n_b).
 */
export function driftGate (ctx: GateContext, obs: Observations): GateResult | undefined {
  const s = ctx.settings.drift
  if (!s) return undefined
  const p = countsOf(obs, ctx.candidate).classes ?? []
  const q = countsOf(obs, ctx.baseline).classes ?? []
  const nc = p.reduce((a, v) => a + v, 0)
  const nb = q.reduce((a, v) => a + v, 0)
  const k = Math.max(p.length, q.length)
  const effective = nc + nb > 0 ? nc * nb / (nc + nb) : 0
  const needed = Math.max(s.minSamples, Math.ceil((k - 1) / (8 * Math.LN2 * (s.jsMax / 2) ** 2)))
  const counts = { candidateSamples: nc, baselineSamples: nb, classes: k, effectiveSamples: Math.round(effective), needed }
  const head = `${ctx.candidate} vs ${ctx.baseline} prediction classes (${n(nc)} vs ${n(nb)})`
  if (p.length !== q.length || nc === 0 || nb === 0 || effective < needed) {
    return { gate: 'drift', result: 'inconclusive', statistic: 0, threshold: s.jsMax, counts, words: `${head}: ${n(effective)} of ${n(needed)} effective samples needed` }
  }
  const js = jsDistance(p, q)
  const result = js > s.jsMax ? 'fail' : 'pass'
  return { gate: 'drift', result, statistic: js, threshold: s.jsMax, counts, words: `${head}: JS distance ${js.toFixed(3)} ${result === 'fail' ? '>' : '<='} ${s.jsMax}` }
}

/**
 * Concentration of the Dirichlet prior of the sequential SRM test (GrowthBook uses 10,000 for its sequential
 * SRM check; Lindon & Malek, NeurIPS 2022). 1,000 suits a rollout step: the prior then spreads the
 * share by about 1 point at 10 %, so a candidate that gets no traffic is flagged within about 1,000
 * requests, while 10,000 (spread 0.3 points) needed over 1,000 and its evidence grew slowly.
 */
export const SRM_CONCENTRATION = 1_000

/**
 * ln Bayes factor of "the split is some other mix" (Dirichlet(c w) prior) against "the split is the
 * weights w", for counts n_i: a martingale under the weights, so 1 / BF is an anytime-valid p-value.
 */
export function lnSrmBayesFactor (seen: number[], shares: number[], c = SRM_CONCENTRATION): number {
  const total = seen.reduce((a, v) => a + v, 0)
  let out = lnGamma(c) - lnGamma(c + total)
  seen.forEach((k, i) => {
    const a = c * (shares[i] as number)
    out += lnGamma(a + k) - lnGamma(a) - (k > 0 ? k * Math.log(shares[i] as number) : 0)
  })
  return out
}

/**
 * Sample-ratio mismatch of the realised requests per weighted version against the step's weights.
 * A mismatch means the routing is not what every other test assumes. The decision uses the
 * anytime-valid p-value (1 / Bayes factor of the Dirichlet-multinomial test) because the gate is looked
 * at every interval: the fixed-sample chi-square p-value checked every second falsely paused 2 of 100
 * healthy simulated rollouts within 20 minutes. The chi-square is kept in the record and the words.
 */
export function srmGate (ctx: GateContext, obs: Observations): GateResult {
  const versions = Object.keys(ctx.weights).filter((v) => (ctx.weights[v] as number) > 0)
  const weightTotal = versions.reduce((a, v) => a + (ctx.weights[v] as number), 0)
  const shares = versions.map((v) => (ctx.weights[v] as number) / weightTotal)
  const seen = versions.map((v) => countsOf(obs, v).requests)
  const total = seen.reduce((a, v) => a + v, 0)
  const threshold = ctx.settings.srm.pValue
  const counts: Record<string, number> = { total }
  let chi2 = 0
  versions.forEach((v, i) => {
    const expected = total * (shares[i] as number)
    counts[v] = seen[i] as number
    chi2 += expected > 0 ? ((seen[i] as number) - expected) ** 2 / expected : 0
  })
  const split = versions.map((v) => `${v} ${n(counts[v] as number)} (weight ${n(ctx.weights[v] as number)})`).join(', ')
  if (versions.length < 2 || total === 0) {
    return { gate: 'srm', result: 'inconclusive', statistic: 1, threshold, counts, words: `split ${split || 'empty'}: no requests to judge` }
  }
  const chi2P = gammaQ((versions.length - 1) / 2, chi2 / 2)
  const p = Math.min(1, Math.exp(-lnSrmBayesFactor(seen, shares)))
  counts.chi2 = chi2
  counts.chi2P = chi2P
  const flagged = p < threshold
  return {
    gate: 'srm', result: flagged ? 'fail' : 'pass', statistic: p, threshold, counts,
    words: `split ${split}: chi-square ${chi2.toFixed(1)} (fixed-sample p ${chi2P.toPrecision(2)}), anytime-valid p ${p.toPrecision(2)} ${flagged ? '<' : '>='} ${threshold}${flagged ? ', the realised split does not match the weights' : ''}`
  }
}

/** Every enabled gate, in a fixed order (the order of the decision record). */
export function evaluateGates (ctx: GateContext, obs: Observations): GateResult[] {
  const out: GateResult[] = [srmGate(ctx, obs), countGate('errors', ctx, obs), countGate('latency', ctx, obs)]
  for (const gate of [predictionsGate(ctx, obs), driftGate(ctx, obs)]) if (gate) out.push(gate)
  return out
}

export type { GateName }
