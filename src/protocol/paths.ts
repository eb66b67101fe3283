/**
 * Where a version's upstream answers each protocol call: the origin and the OIP v2 / KServe v1 paths
 * under the version URL's prefix. Built from the config's URL only (nothing in a request can make the
 * gateway call another host), once per snapshot.
 */

export interface UpstreamTarget {
  /** `http://host:port` */
  readonly origin: string
  /** Path prefix of the version URL, without a trailing slash ('' when none). */
  readonly prefix: string
  /** Name of the model at the upstream. */
  readonly upstreamModel: string
  readonly inferPath: string
  readonly predictPath: string
  readonly metadataPath: string
  readonly readyPath: string
}

/**
 * @example targetOf('http://m:8080/base/', 'hit').inferPath // '/base/v2/models/hit/infer'
 */
export function targetOf (url: string, upstreamModel: string): UpstreamTarget {
  const u = new URL(url)
  const prefix = u.pathname.replace(/\/+$/, '')
  const m = encodeURIComponent(upstreamModel)
  return Object.freeze({
    origin: u.origin,
    prefix,
    upstreamModel,
    inferPath: `${prefix}/v2/models/${m}/infer`,
    predictPath: `${prefix}/v1/models/${m}:predict`,
    metadataPath: `${prefix}/v2/models/${m}`,
    readyPath: `${prefix}/v2/models/${m}/ready`
  })
}
