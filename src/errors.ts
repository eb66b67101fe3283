/**
 * The one error catalogue. Every error a caller or operator can see has a stable code, an HTTP
 * status and a message that says what was wrong and where. Data-plane errors are sent as
 * `{"error": message, "code": code}` (OIP v2 only mandates `error`; the code is extra).
 */
export class HeadlinerError extends Error {
  readonly code: string
  readonly statusCode: number

  constructor (code: string, statusCode: number, message: string) {
    super(message)
    this.name = 'HeadlinerError'
    this.code = code
    this.statusCode = statusCode
  }
}

type Factory<A extends unknown[]> = (...args: A) => HeadlinerError

function define<A extends unknown[]> (code: string, statusCode: number, message: (...args: A) => string): Factory<A> {
  return (...args: A) => new HeadlinerError(code, statusCode, message(...args))
}

export const errors = {
  // caller mistakes (4xx)
  badJson: define('HEADLINER_ERR_BAD_JSON', 400, (detail: string) => `request body is not valid JSON: ${detail}`),
  badRequest: define('HEADLINER_ERR_BAD_REQUEST', 400, (where: string, what: string) => `${where}: ${what}`),
  unsupportedMediaType: define('HEADLINER_ERR_MEDIA_TYPE', 415, (type: string) => `content-type ${type} is not supported; send application/json`),
  bodyTooLarge: define('HEADLINER_ERR_BODY_TOO_LARGE', 413, (limit: number) => `request body is larger than the limit of ${limit} bytes`),
  unknownModel: define('HEADLINER_ERR_UNKNOWN_MODEL', 404, (model: string) => `unknown model "${model}"`),
  unknownVersion: define('HEADLINER_ERR_UNKNOWN_VERSION', 404, (model: string, version: string) => `model "${model}" has no version "${version}"`),
  notFound: define('HEADLINER_ERR_NOT_FOUND', 404, (method: string, url: string) => `no route for ${method} ${url}`),
  unauthorized: define('HEADLINER_ERR_UNAUTHORIZED', 401, () => 'missing or wrong bearer token (send "authorization: Bearer <HEADLINER_ADMIN_TOKEN>")'),
  adminDisabled: define('HEADLINER_ERR_ADMIN_DISABLED', 401, () => 'the admin API is disabled: no token is configured (admin.tokens, admin.tokensFile or HEADLINER_ADMIN_TOKEN)'),
  forbidden: define('HEADLINER_ERR_FORBIDDEN', 403, (name: string, role: string, method: string) => `token "${name}" has role ${role}; ${method} needs a write token`),
  // no version can serve (503): all unready, or weights all zero
  noReadyVersion: define('HEADLINER_ERR_NO_READY_VERSION', 503, (model: string) => `model "${model}" has no ready version to serve this request`),
  versionNotReady: define('HEADLINER_ERR_VERSION_NOT_READY', 503, (model: string, version: string, reason: string) => `version "${version}" of model "${model}" is not ready: ${reason}`),
  // upstream faults (5xx)
  upstreamConnect: define('HEADLINER_ERR_UPSTREAM_CONNECT', 502, (model: string, version: string, detail: string) => `upstream for ${model}/${version} could not be reached: ${detail}`),
  upstreamTimeout: define('HEADLINER_ERR_UPSTREAM_TIMEOUT', 504, (model: string, version: string, ms: number) => `upstream for ${model}/${version} did not answer within ${ms} ms`),
  upstreamProtocol: define('HEADLINER_ERR_UPSTREAM_PROTOCOL', 502, (model: string, version: string, detail: string) => `upstream for ${model}/${version} sent an invalid answer: ${detail}`),
  transformFailed: define('HEADLINER_ERR_TRANSFORM', 500, (model: string, version: string, stage: string, detail: string) => `the ${stage}-processing of ${model}/${version} failed: ${detail}`),
  // reference profiles (the CLI and the drift loader; never sent over HTTP): one line per problem, each starting with its file
  profile: define('HEADLINER_ERR_PROFILE', 500, (problems: string[]) => problems.join('\n')),
  // config (never sent over HTTP; thrown by loaders and printed by the CLI)
  config: define('HEADLINER_ERR_CONFIG', 500, (file: string, problems: string[]) => `invalid config ${file}:\n  ${problems.join('\n  ')}`)
} as const

export function isHeadlinerError (err: unknown): err is HeadlinerError {
  return err instanceof HeadlinerError
}
