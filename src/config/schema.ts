/**
 * The config schema: the single source of the config's TypeScript types, its validator and the
 * field table in docs/config.md (rendered by docs.ts; test/config/docs.test.ts fails when the committed
 * table differs). Shape: docs/config.md.
 * Structural rules live here; rules that relate fields to each other live in semantic.ts.
 */
import { z } from 'zod'
import { statusThresholdsSchema } from '../status/config.js'

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/
const name = (what: string) => z.string().regex(NAME, `${what} names use letters, digits, '_', '.', '-' (at most 63, starting with a letter or digit)`)
const port = z.number().int().min(0).max(65535)
// Stricter than an RFC 9110 token on purpose: proxies such as nginx drop headers with '_' by default.
// toLowerCase() rewrites in place (no transform), so the JSON Schema, and the docs table, keep the default.
const headerName = z.string().regex(/^[A-Za-z0-9-]+$/, 'must be an HTTP header name (letters, digits and \'-\')').toLowerCase()

export const VersionSchema = z.strictObject({
  url: z.string().describe('Base URL of the upstream model server (http or https). Requests go to `{url}/v2/models/{upstreamModel}/infer`; paths in the URL are kept as a prefix.'),
  weight: z.number().int().min(0).max(100).default(0).describe('Share of the model\'s traffic in percent. Serving versions\' weights sum to 100. Default 0.'),
  mirror: z.number().min(0).max(100).optional().describe('Makes the version a shadow: percent of the model\'s traffic copied to it (0-100). A shadow has weight 0. Absent means not a shadow.'),
  upstreamModel: name('model').optional().describe('Model name at the upstream, when it differs from the logical model name.'),
  protocol: z.enum(['v1+v2', 'v2']).default('v1+v2').describe('Protocols the upstream serves: `v1+v2` (KServe: both) or `v2` (OIP only: the gateway sends KServe v1 number-array calls as an OIP tensor and answers `predictions`). Default `v1+v2`.'),
  transform: z.string().min(1).optional().describe('Path of this version\'s transform spec (relative to the config file): pre/post-processing that travels with the model.'),
  connections: z.number().int().min(1).max(1024).default(64).describe('Keep-alive connections in this version\'s upstream pool. Default 64.'),
  // Upstream reliability (docs/reliability.md): overload is refused, not absorbed.
  maxInflight: z.number().int().min(1).max(1_000_000).default(512).describe('Primary calls in flight to this version (on a connection or waiting for one); past it a request gets 503 `HEADLINER_ERR_OVERLOADED` at once. Default 512.'),
  tls: z.strictObject({
    rejectUnauthorized: z.boolean().default(true).describe('Verify the upstream certificate. Default true; turn off only for a lab.'),
    ca: z.string().optional().describe('Path of a PEM CA bundle to trust for this upstream.')
  }).optional().describe('TLS settings for https upstreams.')
}).describe('One version of a model.')

export const ModelSchema = z.strictObject({
  timeoutMs: z.number().int().min(1).max(600_000).default(2000).describe('Deadline of a primary call in milliseconds, from the request\'s turn in the queue to the last byte of the answer (504 past it). Default 2000.'),
  // Upstream reliability (docs/reliability.md): retries and passive outlier ejection.
  idempotent: z.boolean().default(false).describe('The model\'s inference has no side effect: a call that timed out, failed mid-answer, answered 5xx or an invalid prediction may be retried once on another ready version. Default false (only calls that never reached the upstream are retried).'),
  outlier: z.strictObject({
    failures: z.number().int().min(1).max(1000).default(5).describe('Consecutive failed calls (connect, 5xx, timeout, invalid prediction) that eject a version. Default 5.'),
    baseEjectionMs: z.number().int().min(100).max(3_600_000).default(30_000).describe('Length of the first ejection; the n-th lasts n times as long. Default 30000.'),
    maxEjectionMs: z.number().int().min(100).max(86_400_000).default(300_000).describe('Longest ejection. Default 300000.')
  }).prefault({}).describe('Passive outlier ejection: a failing version leaves rotation for a while (never the last ready serving version) and returns after a good probe.'),
  sticky: z.strictObject({
    header: headerName.describe('Request header whose value is the sticky key (for example a user id).')
  }).optional().describe('Sticky routing: the same key goes to the same version on every replica and across restarts.'),
  versionHeader: headerName.default('x-headliner-version').describe('Request header a client may set to choose a configured version by name (route `header`). Default `x-headliner-version`.'),
  headerRouting: z.enum(['serving', 'all', 'off']).default('serving').describe('Which versions the version header can choose: `serving` (not shadows; a shadow named in it answers 404 like an unknown version), `all` (shadows too), `off` (the header is ignored). Default `serving`.'),
  salt: z.string().optional().describe('Salt of the sticky hash. Default: the model name. Change it to reshuffle every sticky user.'),
  // Raw tensors (docs/transforms.md, "Raw tensors"): the order the caller's columns are in.
  features: z.array(z.string().min(1)).min(1).optional().describe('Feature order of a raw tensor (OIP `inputs`, KServe v1 number arrays) sent to this model, by name. A version whose transform declares these names in another order gets the columns re-ordered (docs/transforms.md, "Raw tensors"). Default: the order of `featuresFrom`\'s transform.'),
  featuresFrom: name('version').optional().describe('Version whose transform spec gives the model\'s feature order when `features` is absent. Default: the first serving version (no `mirror`), in file order, that names a transform.'),
  versions: z.record(name('version'), VersionSchema).describe('The versions, by name: letters, digits, `_`, `.`, `-`, at most 63 characters, starting with a letter or digit.'),
  shadow: z.strictObject({
    timeoutMs: z.number().int().min(1).max(600_000).default(5000).describe('Timeout of a shadow call. Default 5000.'),
    maxInflight: z.number().int().min(1).max(100_000).default(256).describe('Shadow copies in flight per model before further copies are dropped (and counted). Default 256.'),
    agreement: z.discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('top1') }).describe('Both answers have the same top-1 class.'),
      z.strictObject({
        kind: z.literal('topk'),
        k: z.number().int().min(1).describe('How many top classes to compare.'),
        minOverlap: z.number().min(0).max(1).describe('Least overlap of the two top-k sets, as a fraction of k (0-1), averaged over the rows of a batch.')
      }).describe('The top-k class sets overlap by at least `minOverlap`.'),
      z.strictObject({
        kind: z.literal('js'),
        max: z.number().min(0).max(1).describe('Largest Jensen-Shannon distance that still agrees (0-1).')
      }).describe('The Jensen-Shannon distance of the two distributions is at most `max`.'),
      z.strictObject({
        kind: z.literal('maxAbs'),
        max: z.number().min(0).describe('Largest absolute difference of any output value that still agrees.')
      }).describe('No output value differs by more than `max`.')
    ]).default({ kind: 'top1' }).describe('When a shadow answer counts as `agree`. Default: same top-1 class.'),
    diffs: z.number().int().min(0).max(10_000).default(100).describe('Recent disagreements kept for the admin API. Default 100.'),
    breaker: z.strictObject({
      failures: z.number().int().min(1).max(1000).default(5).describe('Consecutive failed copies (error or timeout) that stop copies to a shadow. Default 5.'),
      cooldownMs: z.number().int().min(10).max(3_600_000).default(1000).describe('How long copies to that shadow are dropped (counted) before one trial copy. Default 1000.')
    }).prefault({}).describe('Skips a failing shadow for a while, so a dead shadow costs a counter, not a refused connection per request.')
  }).prefault({}).describe('Shadow traffic settings of this model.'),
  drift: z.strictObject({
    reference: z.string().min(1).describe('Path of the reference profile (built by `headliner profile build`).'),
    window: z.discriminatedUnion('kind', [
      z.strictObject({
        kind: z.literal('count'),
        size: z.number().int().min(10).describe('Observations kept (the latest ones).')
      }).describe('The last `size` observations.'),
      z.strictObject({
        kind: z.literal('time'),
        seconds: z.number().int().min(10).describe('Length of the window in seconds.'),
        buckets: z.number().int().min(1).max(120).default(10).describe('Sub-windows of `seconds / buckets`; the window slides one bucket at a time. Default 10.')
      }).describe('The last `seconds` seconds.')
    ]).default({ kind: 'time', seconds: 600, buckets: 10 }).describe('Sliding window of the per-process drift gauges. Default 10 minutes.'),
    minSamples: z.number().int().min(1).default(200).describe('Below this many observations in the window the verdict is `insufficient_data`. Default 200.'),
    thresholds: z.strictObject({
      psiWarn: z.number().min(0).default(0.1).describe('PSI of a feature at or above which the verdict is `warn`. Default 0.1.'),
      psiAlert: z.number().min(0).default(0.25).describe('PSI at or above which the verdict is `alert`; not below psiWarn. Default 0.25.'),
      js: z.number().min(0).max(1).default(0.1).describe('Jensen-Shannon distance (base 2, 0-1) at or above which the verdict is at least `warn`. Default 0.1.')
    }).prefault({}).describe('Verdict thresholds: PSI warn/alert and JS distance. Defaults 0.1 / 0.25 / 0.1.')
  }).optional().describe('Input and prediction drift against a reference profile.'),
  status: statusThresholdsSchema.prefault({}).describe('Thresholds of the model\'s verdict in `GET /status`, `headliner status` and the console (docs/status.md).')
}).describe('A logical model that clients call by name.')

export const TOKEN_ROLES = ['read', 'write'] as const
export type TokenRole = typeof TOKEN_ROLES[number]

/** One admin token: never the token itself, only its SHA-256 (`headliner token hash` prints the entry). */
export const AdminTokenSchema = z.strictObject({
  name: name('token').describe('Name of the token holder, written to the audit trail as the actor.'),
  role: z.enum(TOKEN_ROLES).describe('`read`: GET calls only. `write`: every call.'),
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be the SHA-256 of the token as 64 hex digits (`headliner token hash` prints it), never the token').toLowerCase()
    .describe('SHA-256 of the token, 64 hex digits.')
}).describe('An admin token: name, role and the SHA-256 of the secret.')

/** The content of `admin.tokensFile`: a list of token entries. */
export const AdminTokensFileSchema = z.array(AdminTokenSchema)

export const ConfigSchema = z.strictObject({
  // Checked like any field, but worded to say a newer or older format, not a typo, is the likely cause.
  schemaVersion: z.literal(1, { error: (iss) => iss.input === undefined ? undefined : `unsupported config format version ${JSON.stringify(iss.input)}: this Headliner reads schemaVersion 1` })
    .describe('Config format version. Must be 1.'),
  server: z.strictObject({
    host: z.string().default('0.0.0.0').describe('Data-plane listen address. Default 0.0.0.0.'),
    port: port.default(8080).describe('Data-plane port. Default 8080.'),
    bodyLimitBytes: z.number().int().min(1024).max(256 * 1024 * 1024).default(1_048_576).describe('Largest accepted request body (413 past it). Default 1 MiB.'),
    shutdownGraceMs: z.number().int().min(0).max(600_000).default(10_000).describe('On SIGTERM, how long in-flight requests may take before the process exits. Default 10000.'),
    // Edge limits (src/gateway/server-limits.ts, docs/reliability.md): every wait for a client is bounded.
    requestTimeoutMs: z.number().int().min(100).max(600_000).default(60_000).describe('How long a client may take to send a whole request, headers and body (408 and close past it). Default 60000, as nginx.'),
    headersTimeoutMs: z.number().int().min(100).max(600_000).default(60_000).describe('How long a client may take to send the request headers (close past it); at most requestTimeoutMs. Default 60000, as nginx.'),
    maxConnections: z.number().int().min(1).max(1_000_000).default(10_000).describe('Open client connections on the data plane; a connection past it is closed at once. Default 10000.'),
    // Upstream reliability and drain (docs/reliability.md).
    drainDelayMs: z.number().int().min(0).max(600_000).default(5000).describe('On SIGTERM, how long readiness fails while the listener still accepts (for load balancers to notice) before in-flight requests are finished. Default 5000.'),
    // An optional edge limit (src/gateway/rate-limit.ts, docs/reliability.md).
    rateLimit: z.strictObject({
      max: z.number().int().min(1).max(10_000_000).describe('Requests one client may send in `periodMs` to this replica; past it 429 `HEADLINER_ERR_RATE_LIMITED` with `Retry-After`. Health checks are not limited.'),
      periodMs: z.number().int().min(100).max(3_600_000).default(1000).describe('The fixed period `max` counts over, in milliseconds. Default 1000.'),
      keyHeader: headerName.optional().describe('Request header whose value is the client key (an API key header such as `x-api-key`, set or checked by the ingress). Absent, or missing from a request: the client address (the socket peer: `X-Forwarded-For` is not trusted).'),
      clients: z.number().int().min(100).max(10_000_000).default(10_000).describe('Clients counted at once; past it the least recently seen is forgotten (its count starts again). Default 10000.')
    }).optional().describe('Per-client rate limit, in memory per replica: with N replicas the fleet allows N times `max`. Absent: off.'),
    exposeUpstreamErrors: z.boolean().default(false).describe('Pass an upstream\'s 5xx body to the caller as it is (a lab setting: it may hold tracebacks and paths). Default false: the status passes, the body is a gateway error.')
  }).prefault({}).describe('Data plane.'),
  admin: z.strictObject({
    host: z.string().default('127.0.0.1').describe('Admin listen address (metrics, admin API). Default 127.0.0.1.'),
    port: port.default(9901).describe('Admin port. Default 9901.'),
    tokens: z.array(AdminTokenSchema).default([]).describe('Tokens of the admin API, by name and role. Env HEADLINER_ADMIN_TOKEN (or the file HEADLINER_ADMIN_TOKEN_FILE names) adds one `write` token named `admin`.'),
    tokensFile: z.string().min(1).optional().describe('Path of a YAML or JSON file holding more such entries (relative to the config file), for example a mounted Kubernetes Secret.')
  }).prefault({}).describe('Admin plane: metrics (open) and the admin API (bearer tokens).'),
  // Its own listener so that Prometheus can scrape the pod IP while the admin API stays on 127.0.0.1.
  metrics: z.strictObject({
    host: z.string().default('0.0.0.0').describe('Metrics listen address. Default 0.0.0.0 (every interface: it serves /metrics and nothing else).'),
    port: port.default(9464).describe('Metrics port. Default 9464.')
  }).optional().describe('A listener of its own for `GET /metrics` (and only that). Absent: /metrics is on the admin port only.'),
  probe: z.strictObject({
    intervalMs: z.number().int().min(100).max(600_000).default(5000).describe('How often every version\'s upstream is asked for its metadata and readiness (and its transform contract checked). Default 5000.'),
    timeoutMs: z.number().int().min(10).max(60_000).default(1000).describe('Timeout of one probe request; a version that does not answer in time is not ready. Default 1000.'),
    // Hysteresis (docs/reliability.md): one slow probe must not take a loaded version offline.
    unhealthyThreshold: z.number().int().min(1).max(100).default(3).describe('Consecutive failed probes before a ready version is marked not ready (a transform contract mismatch counts at once). Default 3.'),
    healthyThreshold: z.number().int().min(1).max(100).default(1).describe('Consecutive good probes before a not-ready version is marked ready. Default 1.')
  }).prefault({}).describe('Readiness probing of the upstreams.'),
  state: z.discriminatedUnion('store', [
    z.strictObject({
      store: z.literal('file'),
      path: z.string().min(1).default('./headliner-state.json').describe('State file (relative to the config file). Default ./headliner-state.json.')
    }).describe('A JSON file: one machine.'),
    z.strictObject({
      store: z.literal('redis'),
      url: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').describe('Redis URL (redis:// or rediss://).'),
      prefix: z.string().regex(/^[A-Za-z0-9:_.-]{1,100}$/, 'letters, digits, ":", "_", ".", "-"; at most 100').default('headliner:default').describe('Prefix of every key and of the change channel. Gateways sharing a Redis but not their state use different prefixes. Default headliner:default.'),
      resyncMs: z.number().int().min(100).max(60_000).default(1000).describe('Full re-read of the state behind pub/sub, so a lost notification costs at most this long. Default 1000.')
    }).describe('Redis: several replicas agree within a second.')
  ]).default({ store: 'file', path: './headliner-state.json' }).describe('Where runtime changes (weights, rollouts) live, layered over this file.'),
  models: z.record(name('model'), ModelSchema).describe('The logical models, by name (the `{m}` of `/v2/models/{m}/infer`): letters, digits, `_`, `.`, `-`, at most 63 characters.')
}).describe('Headliner config (YAML).')

export type Config = z.infer<typeof ConfigSchema>
export type ModelConfig = z.infer<typeof ModelSchema>
export type VersionConfig = z.infer<typeof VersionSchema>
export type AgreementRuleConfig = ModelConfig['shadow']['agreement']
export type AdminTokenConfig = z.infer<typeof AdminTokenSchema>

/**
 * How an edit of each top-level section of a watched file takes effect: `hot` is applied at once,
 * `restart` keeps its running value until the next start (listening sockets, the state store and the
 * probe timer are set up once). docs/config.md shows it; `serve` keeps the running values.
 */
export const RELOAD = {
  server: 'restart',
  admin: 'restart',
  metrics: 'restart',
  probe: 'restart',
  state: 'restart',
  models: 'hot'
} as const satisfies Record<Exclude<keyof Config, 'schemaVersion'>, 'hot' | 'restart'>

/** The sections whose edits need a restart. */
export const STATIC_SECTIONS = (Object.keys(RELOAD) as (keyof typeof RELOAD)[]).filter((k) => RELOAD[k] === 'restart')
