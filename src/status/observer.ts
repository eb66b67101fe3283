/**
 * The status windows as an observer of the request path: every finished primary call and every
 * compared shadow copy lands in StatusWindows, which `GET /status`, `headliner status` and the
 * console read. The adapter is all there is: the windows know nothing of the runtime's types.
 */
import type { FinishedCall } from '../runtime/call.js'
import type { Observer } from '../runtime/observer.js'
import type { ShadowComparison } from '../shadow/dispatcher.js'
import { StatusWindows, type StatusWindowsOptions } from './windows.js'

export class StatusObserver implements Observer {
  readonly windows: StatusWindows

  constructor (options: StatusWindowsOptions) {
    this.windows = new StatusWindows(options)
  }

  /** The windows need the status and the duration only, never the body. */
  wantsResponse (): boolean {
    return false
  }

  afterReply (call: FinishedCall): void {
    this.windows.afterReply({
      model: call.model.name,
      version: call.version.name,
      role: 'primary',
      status: call.status,
      durationMs: call.durationMs,
      ...(call.upstreamError !== undefined ? { upstreamError: call.upstreamError } : {})
    })
  }

  /** A shadow copy counts twice: as a reply of the shadow version, and as one comparison of the pair. */
  onComparison (c: ShadowComparison): void {
    this.windows.afterReply({
      model: c.model,
      version: c.shadow,
      role: 'shadow',
      status: c.status,
      durationMs: c.durationMs,
      ...(c.failed ? { upstreamError: c.status === 0 ? 'no answer' : `status ${c.status}` } : {})
    })
    this.windows.recordComparison({
      model: c.model,
      primary: c.primary,
      shadow: c.shadow,
      outcome: c.outcome,
      ...(c.divergence !== undefined ? { divergence: c.divergence } : {})
    })
  }
}
