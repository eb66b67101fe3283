/**
 * What the readiness prober probes in a snapshot, one loop each: every version's target in the file
 * and, while a reload's new URL is not ready, also the previous upstream that keeps serving meanwhile
 * (its probes decide whether it may go on serving).
 */
import { versionKey, type Snapshot, type VersionRuntime } from '../runtime/snapshot.js'

/**
 * One loop's subject: the version's target in the file (`file`; `next` while a previous upstream is
 * held for it), or the held previous upstream (`held`). `version.target` is the upstream probed;
 * `key` names the loop.
 */
export interface Subject { key: string; model: string; version: VersionRuntime; role: 'file' | 'next' | 'held' }

export function * probeSubjects (snapshot: Snapshot): Generator<Subject> {
  for (const model of snapshot.models.values()) {
    for (const version of model.versions.values()) {
      const key = versionKey(model.name, version.name)
      if (version.next === undefined) {
        yield { key, model: model.name, version, role: 'file' }
        continue
      }
      yield { key, model: model.name, version: { ...version, target: version.next.target, readiness: version.next.readiness }, role: 'next' }
      yield { key: `${key}\u0000held`, model: model.name, version, role: 'held' }
    }
  }
}
