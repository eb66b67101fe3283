/**
 * Who owns a model's weights. While a rollout runs, its driver sets the weights step by step, so a
 * hand-written weight would be overwritten at the next step (or fight it): the admin API refuses it
 * with 409. A paused rollout lets go. One function, so the rollout driver's own rule can replace it.
 */
import type { ModelState } from '../state/index.js'
import { rolloutOwnsWeights as ownedByRollout } from '../rollout/service.js'

/** The rollout driver's own rule (src/rollout/service.ts) on the model's stored rollout document. */
export function rolloutOwnsWeights (state: ModelState | undefined): boolean {
  return ownedByRollout(state?.rollout)
}
