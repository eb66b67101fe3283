/** Synthetic facts for the verdict tests: a healthy model that each test bends one way. */
import type { AgreementStats, ModelFacts, TrafficStats, VersionFacts } from '../../src/status/verdict.js'

export function traffic (seconds: number, requests: number, errors = 0, p99Ms: number | null = 40): TrafficStats {
  return { seconds, requests, errors, ratePerSecond: requests / seconds, errorRatio: requests > 0 ? errors / requests : null, p50Ms: requests > 0 ? 10 : null, p99Ms: requests > 0 ? p99Ms : null }
}

export function agreement (seconds: number, agree: number, disagree: number): AgreementStats {
  const decided = agree + disagree
  return { seconds, total: decided, agree, disagree, agreementRate: decided > 0 ? agree / decided : null, divergenceMean: null }
}

export function version (name: string, over: Partial<VersionFacts> = {}): VersionFacts {
  return { name, role: 'serving', weight: 100, ready: true, reason: 'ok', windows: { '1m': traffic(60, 600), '5m': traffic(300, 3000) }, ...over }
}

export function model (over: Partial<ModelFacts> = {}): ModelFacts {
  return { model: 'hit-predictor', versions: [version('v1')], shadows: [], drift: null, reload: null, ...over }
}
