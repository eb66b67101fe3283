/**
 * The one error catalogue. Every error a caller or operator can see has a stable code, an HTTP
 * status, a meaning (docs/errors.md is generated from this file) and a message that says what was
 * wrong and where. Data-plane errors are sent as `{"error": message, "code": code}` (OIP v2 only
 * mandates `error`; the code is extra).
 */
export class HeadlinerError extends Error {
  readonly code: string
  readonly statusCode: number
  /** What only the operator sees (the log line): upstream addresses, file paths, a module's message. */
  readonly detail: string | undefined

  constructor (code: string, statusCode: number, message: string, detail?: string) {
    super(message)
    this.name = 'HeadlinerError'
    this.code = code
    this.statusCode = statusCode
    this.detail = detail
  }
}

/** A message for the caller and a detail for the log (see HeadlinerError.detail). */
interface Worded { message: string; detail: string }

/** A catalogue entry: call it to make the error; its code, status and meaning are readable without one. */
export interface ErrorDefinition<A extends unknown[]> {
  (...args: A): HeadlinerError
  readonly code: string
  readonly statusCode: number
  /** One sentence for docs/errors.md: when this error happens. */
  readonly meaning: string
}

function define<A extends unknown[]> (code: string, statusCode: number, meaning: string, message: (...args: A) => string | Worded): ErrorDefinition<A> {
  const make = (...args: A) => {
    const m = message(...args)
    return typeof m === 'string' ? new HeadlinerError(code, statusCode, m) : new HeadlinerError(code, statusCode, m.message, m.detail)
  }
  return Object.freeze(Object.assign(make, { code, statusCode, meaning }))
}

export const errors = {
  // caller mistakes (4xx)
  badJson: define('HEADLINER_ERR_BAD_JSON', 400, 'The request body is empty or not valid JSON.', (detail: string) => `request body is not valid JSON: ${detail}`),
  badRequest: define('HEADLINER_ERR_BAD_REQUEST', 400, 'The request is JSON but not a valid request of its protocol (OIP v2, KServe v1) or of the version\'s transform; the message names the field.', (where: string, what: string) => `${where}: ${what}`),
  tensorShape: define('HEADLINER_ERR_TENSOR_SHAPE', 400, 'A tensor\'s shape contradicts the input the version\'s upstream declares in its metadata (another width or rank); it never reaches the model.', (model: string, version: string, input: string, shape: readonly number[], want: readonly unknown[]) => `${input}: shape [${shape.join(', ')}] does not fit [${want.join(', ')}], the input ${model}/${version} declares (-1: any size)`),
  bodyTooLarge: define('HEADLINER_ERR_BODY_TOO_LARGE', 413, 'The request body is larger than `server.bodyLimitBytes`.', (limit: number) => `request body is larger than the limit of ${limit} bytes`),
  unknownModel: define('HEADLINER_ERR_UNKNOWN_MODEL', 404, 'The path names a model the config does not have.', (model: string) => `unknown model "${model}"`),
  unknownVersion: define('HEADLINER_ERR_UNKNOWN_VERSION', 404, 'The path or the version header names a version the model does not have.', (model: string, version: string) => `model "${model}" has no version "${version}"`),
  notFound: define('HEADLINER_ERR_NOT_FOUND', 404, 'No route for this method and path.', (method: string, url: string) => `no route for ${method} ${url}`),
  unauthorized: define('HEADLINER_ERR_UNAUTHORIZED', 401, 'An admin API call without the right bearer token.', () => 'missing or wrong bearer token (send "authorization: Bearer <HEADLINER_ADMIN_TOKEN>")'),
  rolloutState: define('HEADLINER_ERR_ROLLOUT_STATE', 409, 'A rollout command that the rollout\'s state does not allow (pause a finished rollout, start a second one).', (model: string, status: string, command: string) => `the rollout of model "${model}" is ${status}: it cannot ${command}`),
  adminDisabled: define('HEADLINER_ERR_ADMIN_DISABLED', 401, 'An admin API call while the gateway runs with no token configured.', () => 'the admin API is disabled: no token is configured (admin.tokens, admin.tokensFile or HEADLINER_ADMIN_TOKEN)'),
  forbidden: define('HEADLINER_ERR_FORBIDDEN', 403, 'An admin API write with a token whose role is `read`.', (name: string, role: string, method: string) => `token "${name}" has role ${role}; ${method} needs a write token`),
  // no version can serve (503): all unready, or weights all zero
  noReadyVersion: define('HEADLINER_ERR_NO_READY_VERSION', 503, 'No version of the model can serve: every serving version is unready, or all weights are 0.', (model: string) => `model "${model}" has no ready version to serve this request`),
  versionNotReady: define('HEADLINER_ERR_VERSION_NOT_READY', 503, 'The pinned version exists but is not ready; the message gives the kind of fault, the log line and `/status` the probe\'s reason.', (model: string, version: string, reason: string) => ({ message: `version "${version}" of model "${model}" is not ready (${readinessKind(reason)})`, detail: reason })),
  // upstream faults (5xx)
  upstreamConnect: define('HEADLINER_ERR_UPSTREAM_CONNECT', 502, 'The version\'s upstream could not be reached (refused, reset, DNS, TLS).', (model: string, version: string, detail: string) => ({ message: `upstream of ${model}/${version} could not be reached (connect)`, detail })),
  upstreamTimeout: define('HEADLINER_ERR_UPSTREAM_TIMEOUT', 504, 'The upstream did not send its whole answer within the model\'s `timeoutMs`.', (model: string, version: string, ms: number) => `upstream for ${model}/${version} did not answer within ${ms} ms`),
  upstreamProtocol: define('HEADLINER_ERR_UPSTREAM_PROTOCOL', 502, 'The upstream\'s answer was unreadable: broken HTTP, too large, not JSON, or not the tensor its transform expects.', (model: string, version: string, detail: string) => ({ message: `upstream of ${model}/${version} sent an invalid answer (protocol)`, detail })),
  // upstream reliability (docs/reliability.md)
  rateLimited: define('HEADLINER_ERR_RATE_LIMITED', 429, 'The client sent more than `server.rateLimit.max` requests in `periodMs` to this replica; `Retry-After` says when it may send again.', (max: number, periodMs: number, retryAfterS: number) => `rate limit: more than ${max} requests in ${periodMs} ms from this client on this replica; retry in ${retryAfterS} s`),
  overloaded: define('HEADLINER_ERR_OVERLOADED', 503, 'The version already has `maxInflight` calls in flight: the request is refused at once rather than queued past its deadline.', (model: string, version: string, max: number) => `version "${version}" of model "${model}" is overloaded: ${max} calls in flight (maxInflight); retry later`),
  invalidPrediction: define('HEADLINER_ERR_INVALID_PREDICTION', 502, 'The upstream answered 200 with something that is not a valid prediction (wrong shape, a non-finite value, probabilities that do not sum to 1); it is never labelled.', (model: string, version: string, detail: string) => `upstream for ${model}/${version} answered an invalid prediction: ${detail}`),
  upstreamStatus: define('HEADLINER_ERR_UPSTREAM_STATUS', 502, 'The upstream answered a 5xx; its status is passed on (the HTTP status is the upstream\'s) and its body is withheld unless `server.exposeUpstreamErrors` is on.', (model: string, version: string, status: number) => `upstream for ${model}/${version} answered ${status}`),
  transformFailed: define('HEADLINER_ERR_TRANSFORM', 500, 'A version\'s own pre- or post-processing (a custom module) failed.', (model: string, version: string, stage: string, detail: string) => ({ message: `the ${stage}-processing of ${model}/${version} failed (transform)`, detail })),
  internal: define('HEADLINER_ERR_INTERNAL', 500, 'A bug in the gateway; the log has the stack.', () => 'internal error'),
  // state store (src/state): the admin API sends the first two; a corrupt file stops the start
  stateUnavailable: define('HEADLINER_ERR_STATE_UNAVAILABLE', 503, 'The state store (Redis or the state file) cannot be reached; the write was refused and nothing changed.', (store: string, detail: string) => `the ${store} state store is unavailable (${detail}); nothing was changed, retry when it is back`),
  stateConflict: define('HEADLINER_ERR_STATE_CONFLICT', 409, 'Other writers changed the model during every attempt of a write; nothing changed.', (model: string, attempts: number) => `model "${model}" was changed by other writers during ${attempts} attempts in a row; nothing was changed, retry`),
  stateCorrupt: define('HEADLINER_ERR_STATE_CORRUPT', 500, 'The state file is not a valid state document; the gateway refuses to start on it.', (file: string, detail: string) => `state file ${file} is not a valid state document: ${detail}`),
  // files the gateway or the CLI loads (never sent over HTTP): one line per problem, each starting with its file
  transformSpec: define('HEADLINER_ERR_TRANSFORM_SPEC', 500, 'A transform spec (or its labels file or custom module) does not load; the config using it is refused.', (file: string, problems: string[]) => `invalid transform spec ${file}:\n  ${problems.join('\n  ')}`),
  profile: define('HEADLINER_ERR_PROFILE', 500, 'A reference profile (drift) is missing or invalid, or `headliner profile build` got bad input.', (problems: string[]) => problems.join('\n')),
  config: define('HEADLINER_ERR_CONFIG', 500, 'The config file is invalid; every problem is listed as `path: message`.', (file: string, problems: string[]) => `invalid config ${file}:\n  ${problems.join('\n  ')}`)
} as const

/** The kind of a probe's reason, for the caller: the reason itself names files and addresses. */
function readinessKind (reason: string): string {
  if (reason.startsWith('transform ')) return 'its transform does not match its upstream'
  if (reason === 'not probed yet' || reason === 'ejected') return reason
  return 'its upstream failed the readiness probe'
}

export function isHeadlinerError (err: unknown): err is HeadlinerError {
  return err instanceof HeadlinerError
}

/** docs/errors.md's table, one row per catalogue entry, in catalogue order. */
export function renderErrorsTable (): string {
  const rows = Object.values(errors).map((e) => `| \`${e.code}\` | ${e.statusCode} | ${e.meaning.replace(/\|/g, '\\|')} |`)
  return ['| code | HTTP status | meaning |', '| --- | --- | --- |', ...rows].join('\n')
}
