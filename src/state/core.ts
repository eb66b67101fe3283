/**
 * The pieces every store implementation shares, kept pure: apply a mutation to a state (producing the
 * audit entry for the same revision), the bounded compare-and-set loop, summing count reports, and the
 * schema of a stored document (the file store's JSON, Redis's values).
 */
import { z } from 'zod'
import { formatIssues } from '../schema-path.js'
import { StateConflictError } from './errors.js'
import { Refusal, type AuditEntry, type AuditInput, type ModelState, type Mutation, type State } from './types.js'

export function emptyState (): State {
  return { revision: 0, models: {} }
}

/** A JSON round trip: every store hands out and keeps only what JSON can carry, and never shares objects with callers. */
export function jsonCopy<T> (value: T): T {
  return JSON.parse(JSON.stringify(value)) as T
}

export type Step<R> = { refused: R } | { next: State; entry: AuditEntry }

/** The next state and its audit entry (revision + 1), or the mutation's refusal. Does not touch `state`. */
export function applyMutation<R> (state: State, model: string, mutate: Mutation<R>, audit: AuditInput, at: Date): Step<R> {
  const before = state.models[model]
  const result = mutate(before === undefined ? undefined : jsonCopy(before))
  if (result instanceof Refusal) return { refused: result.reason as R }
  const after = result === null ? null : jsonCopy(result)
  const models = { ...state.models }
  if (after === null) delete models[model]
  else models[model] = after
  const revision = state.revision + 1
  const entry: AuditEntry = {
    at: at.toISOString(), revision, actor: audit.actor, action: audit.action, model,
    before: before === undefined ? null : jsonCopy(before), after, reason: audit.reason ?? ''
  }
  return { next: { revision, models }, entry }
}

/** What one compare-and-set attempt did: lost the race (try again) or finished with a value. */
export type Attempt<T> = { conflict: true } | { conflict: false; value: T }

/** Runs `attempt` until it does not conflict, at most `attempts` times; then StateConflictError. */
export async function compareAndSet<T> (model: string, attempts: number, attempt: () => Promise<Attempt<T>>): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const outcome = await attempt()
    if (!outcome.conflict) return outcome.value
  }
  throw new StateConflictError(model, attempts)
}

/** Name-by-name sum of count reports. */
export function sumReports (reports: Iterable<Record<string, number>>): Record<string, number> {
  const sum: Record<string, number> = {}
  for (const report of reports) {
    for (const [name, n] of Object.entries(report)) sum[name] = (sum[name] ?? 0) + n
  }
  return sum
}

/** Newest first, of one model when asked, at most `limit`; `entries` are oldest first. */
export function selectAudit (entries: readonly AuditEntry[], query: { model?: string; limit: number }): AuditEntry[] {
  const out: AuditEntry[] = []
  for (let i = entries.length - 1; i >= 0 && out.length < query.limit; i--) {
    const entry = entries[i]!
    if (query.model === undefined || entry.model === query.model) out.push(jsonCopy(entry))
  }
  return out
}

const percentages = z.record(z.string(), z.number())
export const ModelStateSchema: z.ZodType<ModelState> = z.object({
  weights: percentages.optional(),
  mirrors: percentages.optional(),
  rollout: z.unknown().optional()
})
export const AuditEntrySchema: z.ZodType<AuditEntry> = z.object({
  at: z.string(),
  revision: z.number().int().min(1),
  actor: z.string(),
  action: z.string(),
  model: z.string(),
  before: ModelStateSchema.nullable(),
  after: ModelStateSchema.nullable(),
  reason: z.string()
})
const DocumentSchema = z.object({
  revision: z.number().int().min(0),
  models: z.record(z.string(), ModelStateSchema),
  audit: z.array(AuditEntrySchema)
})

/** The file store's document: the state and the bounded audit log (oldest first), written as one. */
export type Document = z.infer<typeof DocumentSchema>

/** Parses a stored document; the problem (JSON syntax, or the first wrong fields) as a string on failure. */
export function parseDocument (text: string): { ok: true; doc: Document } | { ok: false; problem: string } {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    return { ok: false, problem: `JSON: ${(err as Error).message}` }
  }
  const parsed = DocumentSchema.safeParse(raw, { reportInput: true })
  if (!parsed.success) return { ok: false, problem: formatIssues(parsed.error.issues).slice(0, 5).join('; ') }
  return { ok: true, doc: parsed.data }
}

/**
 * The newest revision a store instance has seen, and its watchers: a state reaches the watchers only
 * when it is newer than anything seen (by load, by this instance's own update, or by a notification),
 * so a notification of one's own write, or a resync that finds nothing new, calls nobody.
 */
export class Watchers {
  #known = 0
  readonly #callbacks = new Set<(state: State) => void>()

  get size (): number { return this.#callbacks.size }

  add (onChange: (state: State) => void): () => void {
    const callback = (state: State): void => onChange(state)
    this.#callbacks.add(callback)
    return () => { this.#callbacks.delete(callback) }
  }

  /** Records a revision as seen; true when it is newer than any seen before. */
  see (revision: number): boolean {
    if (revision <= this.#known) return false
    this.#known = revision
    return true
  }

  /** Hands `state` to every watcher (each its own copy) when it is new. */
  offer (state: State): void {
    if (!this.see(state.revision)) return
    for (const callback of this.#callbacks) callback(jsonCopy(state))
  }

  /**
   * The backend went back in time (Redis restarted without its data, or was flushed): its state is the
   * truth now, so it is handed to the watchers and becomes the newest revision seen.
   */
  adopt (state: State): void {
    this.#known = state.revision
    for (const callback of this.#callbacks) callback(jsonCopy(state))
  }

  get known (): number { return this.#known }

  clear (): void {
    this.#callbacks.clear()
  }
}

/**
 * Runs one task at a time, in call order. A store instance serialises its own updates with it, so
 * compare-and-set only ever races other instances (replicas), never itself.
 */
export class Serial {
  #tail: Promise<unknown> = Promise.resolve()
  #running = 0

  /** True while a task runs or waits (a store skips reporting its own half-written changes meanwhile). */
  get busy (): boolean { return this.#running > 0 }

  run<T> (task: () => Promise<T>): Promise<T> {
    this.#running++
    const result = this.#tail.then(task).finally(() => { this.#running-- })
    this.#tail = result.catch(() => undefined)
    return result
  }
}
