/**
 * The primary's side of a shadow comparison: its answer as rows (or why there are none), parsed at
 * most once per call however many shadows compare with it.
 */
import { rowsFromAnswer } from '../protocol/rows.js'
import type { FinishedCall } from '../runtime/call.js'
import type { Answer } from './compare.js'

/**
 * Answers larger than this are not compared (the comparison is counted as `skipped`): parsing and
 * comparing a 2 MB answer costs ~95 ms of the event loop, which every other request would wait for.
 */
export const MAX_COMPARED_BYTES = 256 * 1024

/** The primary's answer as rows (or why there are none), and its parsed body for the diffs. Parsed once per call. */
export function primaryAnswer (call: FinishedCall): { answer: Answer; body: unknown; skipped?: boolean } {
  if (call.responseBody !== undefined && call.responseBody.length > MAX_COMPARED_BYTES) return { answer: { ok: false, error: 'primary answer too large to compare' }, body: undefined, skipped: true }
  if (call.upstreamError !== undefined) return { answer: { ok: false, error: `primary failed: ${call.upstreamError}` }, body: undefined }
  if (call.responseBody === undefined) return { answer: { ok: false, error: `primary answered ${call.status} without a body` }, body: undefined }
  if ((call.upstreamStatus ?? call.status) >= 400) return { answer: { ok: false, error: `primary answered ${call.upstreamStatus ?? call.status}` }, body: undefined }
  const body = call.responseJson()
  if (body === undefined) return { answer: { ok: false, error: 'primary answer is not JSON' }, body }
  return { answer: rowsFromAnswer(call.upstreamKind, body), body }
}
