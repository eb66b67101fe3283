/**
 * One place that counts and logs every response of the data plane, whatever ended it: an answer,
 * a refusal before routing (413, two Host headers, duplicate keys), an unknown model or version,
 * no ready version, an upstream fault, or a client that went away (499). The inference handler
 * leaves its Call on the request and the error handler its Fault; this reads both when the
 * response closes.
 *
 * `headliner_requests_total` counts the inference routes (and unmatched paths, model ""): a
 * response without a chosen version has version "" and route "none", and a model the config does
 * not have is model "" (a path is not a label: that would let any caller mint series). Health and
 * metadata reads are logged (at debug for the health probes) but not counted.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import type { Metrics } from '../metrics/metrics.js'
import { observeRequestDuration } from '../metrics/exposition.js'
import type { RequestSeries } from '../metrics/request-series.js'
import type { Runtime } from '../runtime/runtime.js'
import { traceFields, type TraceFields } from '../telemetry/log-context.js'

/** The route patterns of inference (src/gateway/infer.ts). */
const INFER_ROUTES: ReadonlySet<string> = new Set(['/v2/models/:model/infer', '/v2/models/:model/versions/:version/infer', '/v1/models/:target'])

/** Install before any other onRequest hook, so a request another hook refuses is still counted. */
export function installAccounting (app: FastifyInstance, deps: { runtime: Runtime; metrics: Metrics; series: RequestSeries; lines: Logger }): void {
  app.addHook('onRequest', (request, reply, done) => {
    // The span is active here; the close event runs outside its context, so read the ids now.
    const trace = traceFields()
    reply.raw.once('close', () => { record(request, reply, trace) })
    done()
  })

  function record (request: FastifyRequest, reply: FastifyReply, trace: TraceFields): void {
    const call = request.headliner
    // Cut short: by the client (499), or by the upstream mid-answer (its fault: 502, or 504 past the deadline).
    const status = reply.raw.writableFinished ? reply.statusCode : call?.upstreamError === 'timeout' ? 504 : call?.upstreamError !== undefined ? 502 : 499
    const fault = request.fault
    const model = call?.model.name ?? knownModel(request)
    const version = call?.version.name ?? ''
    const route = call?.route ?? 'none'
    const url = request.routeOptions.url
    const inference = url === undefined || INFER_ROUTES.has(url)
    if (inference && call === null) deps.metrics.requests.labels(model, version, 'primary', route, String(status)).inc()
    else if (inference && call !== null) {
      // the version's children, resolved once per snapshot (src/metrics/request-series.ts)
      const series = deps.series.version(call.model, call.version)
      series.requests(route, status).inc()
      if (trace.trace_id === undefined || !deps.metrics.exemplars) series.requestDuration.observe(reply.elapsedTime / 1000)
      else observeRequestDuration(deps.metrics, model, version, 'primary', reply.elapsedTime / 1000, trace.trace_id)
    }
    // Written through one logger built at start-up (`lines`), not the request's child: the request
    // id goes in as the first field, where the child's binding would have put it.
    const line: RequestLine = {
      reqId: request.id,
      req: { method: request.method, url: request.url, remoteAddress: request.ip },
      res: { statusCode: status },
      responseTime: Math.round(reply.elapsedTime * 100) / 100,
      model,
      version,
      route,
      trace_id: trace.trace_id,
      span_id: trace.span_id
    }
    // a 4xx says why in the caller's words; a 5xx adds the operator's detail (addresses, paths)
    if (fault !== null) {
      line.code = fault.code
      line.reason = fault.message
      if (status >= 500) line.err = fault.err
    }
    if (status >= 500) deps.lines.warn(line, 'request failed')
    else if (!inference && request.url.startsWith('/v2/health/')) deps.lines.debug(line, 'request completed')
    else deps.lines.info(line, 'request completed')
  }

  /** The model the path names, when the config has it ('' otherwise: not a label a caller can mint). */
  function knownModel (request: FastifyRequest): string {
    const params = request.params as { model?: string; target?: string } | undefined
    const name = params?.model ?? params?.target?.replace(/:[^:]*$/, '')
    return name !== undefined && deps.runtime.snapshot.models.has(name) ? name : ''
  }
}

/** The fields of the line per response, in their order (undefined fields are left out by pino). */
interface RequestLine extends TraceFields {
  reqId: string
  req: { method: string; url: string; remoteAddress: string }
  res: { statusCode: number }
  responseTime: number
  model: string
  version: string
  route: string
  code?: string
  reason?: string
  err?: { type: string; message: string; stack?: string }
}
