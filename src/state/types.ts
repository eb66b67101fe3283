/**
 * The state store: where runtime changes (weights, mirrors, rollouts) live, layered over the config
 * file, plus the shared pieces a fleet of replicas needs (an audit trail, leases, rollout counts).
 * Pure types; `memory.ts`, `file.ts` and `redis.ts` implement them and run through one test table.
 */

/** What the store holds for one model; every field is optional (absent = the config file's value). */
export interface ModelState {
  /** Serving weights by version (runtime override of the file's `weight`). */
  weights?: Record<string, number>
  /** Shadow copy percentages by version (runtime override of the file's `mirror`). */
  mirrors?: Record<string, number>
  /** Opaque JSON owned by the rollout driver. */
  rollout?: unknown
}

/** The whole runtime state. `revision` grows by one with every applied update, never goes back. */
export interface State {
  revision: number
  models: Record<string, ModelState>
}

/** Who asked for a change and why; stored with the change. */
export interface AuditInput {
  actor: string
  action: string
  reason?: string
}

/** One audit entry, written in the same store write as the change it describes (same `revision`). */
export interface AuditEntry {
  /** ISO 8601 time of the write. */
  at: string
  revision: number
  actor: string
  action: string
  model: string
  /** The model's state before and after; null when it had (or has) none. */
  before: ModelState | null
  after: ModelState | null
  reason: string
}

/**
 * A mutation's "no": returned instead of the next state, the store writes nothing and hands the
 * reason back (the admin API turns it into a 400 or a 409).
 */
export class Refusal<R = unknown> {
  constructor (readonly reason: R) {}
}

/** Mutations may run more than once (compare-and-set retries): they must be pure and synchronous. */
export type Mutation<R = unknown> = (current: ModelState | undefined) => ModelState | null | Refusal<R>

export type UpdateResult<R = unknown> =
  | { applied: true; state: State; entry: AuditEntry }
  | { applied: false; state: State; refusal: R }

export interface StoreHealth {
  up: boolean
  detail: string
  store: 'memory' | 'file' | 'redis'
}

export interface StateStore {
  /** The current state (redis and file: read from the backend; the last known state while it is down). */
  load (): Promise<State>
  /**
   * Calls `onChange` with the new state whenever the store sees a revision newer than any it has seen
   * (another writer's change; this store's own `update` results are returned to the caller instead).
   * Returns the unsubscribe function.
   */
  watch (onChange: (state: State) => void): () => void
  /**
   * Compare-and-set on the revision, retried on conflict a bounded number of times. `mutate` gets the
   * model's current state and returns the next one (null removes the model's overrides) or a Refusal.
   * The audit entry is written in the same write. Rejects with StateUnavailableError when the backend
   * cannot be reached and StateConflictError when the retries run out.
   */
  update<R = unknown> (model: string, mutate: Mutation<R>, audit: AuditInput): Promise<UpdateResult<R>>
  /** Audit entries newest first, optionally of one model; at most `limit` (the log itself is bounded). */
  audit (query: { model?: string; limit: number }): Promise<AuditEntry[]>
  /** Acquires the lease `name` for `holder`, or renews it when `holder` has it. False when another holds it. */
  lease (name: string, holder: string, ttlMs: number): Promise<boolean>
  /** Gives the lease up, only if `holder` has it. */
  release (name: string, holder: string): Promise<void>
  /**
   * Publishes this replica's cumulative counts under `key`, replacing its previous report; the report
   * disappears `ttlMs` after the last call (a replica that died stops counting).
   */
  addCounts (replica: string, key: string, counts: Record<string, number>, ttlMs: number): Promise<void>
  /** The sum, name by name, of the live replicas' reports under `key`. */
  sumCounts (key: string): Promise<Record<string, number>>
  health (): StoreHealth
  close (): Promise<void>
}

/** The default bound of the audit log (entries kept, oldest dropped first). */
export const AUDIT_LIMIT = 10_000
/** The default number of attempts of a compare-and-set update before StateConflictError. */
export const UPDATE_ATTEMPTS = 8
