/**
 * Typed errors of the state store, so callers can branch with `instanceof` (the admin API maps
 * StateUnavailableError to 503). Codes, statuses and messages come from the one catalogue.
 */
import { errors, HeadlinerError } from '../errors.js'

/** The backend (Redis, the file system) cannot be reached: nothing was written. */
export class StateUnavailableError extends HeadlinerError {
  constructor (store: string, detail: string) {
    const e = errors.stateUnavailable(store, detail)
    super(e.code, e.statusCode, e.message)
    this.name = 'StateUnavailableError'
  }
}

/** Other writers won every compare-and-set attempt: nothing was written. */
export class StateConflictError extends HeadlinerError {
  constructor (model: string, attempts: number) {
    const e = errors.stateConflict(model, attempts)
    super(e.code, e.statusCode, e.message)
    this.name = 'StateConflictError'
  }
}

/** A state file that is not JSON or not a state document (at start: the store refuses to open). */
export class StateCorruptError extends HeadlinerError {
  constructor (file: string, detail: string) {
    const e = errors.stateCorrupt(file, detail)
    super(e.code, e.statusCode, e.message)
    this.name = 'StateCorruptError'
  }
}
