/**
 * The rollout resource of the admin API (/admin/models/:model/rollout...): the routes of
 * src/rollout/routes.ts on this plane. The plane's bearer-token hook already asks `read` of GET and
 * `write` of POST, so the route's own checks only pass through; the token's name is the actor.
 */
import { registerRolloutRoutes } from '../../rollout/routes.js'
import type { AdminRoutes } from '../deps.js'

const authorisedByThePlane = async (): Promise<void> => {}

export const rolloutRoutes: AdminRoutes = ({ rollout }) => async (api) => {
  await registerRolloutRoutes(api, {
    service: rollout.service,
    requireWrite: authorisedByThePlane,
    requireRead: authorisedByThePlane,
    actorOf: (request) => request.actor ?? 'unknown'
  })
}
