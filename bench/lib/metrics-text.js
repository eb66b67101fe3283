/**
 * Read figures out of a Prometheus text exposition (the gateway's /metrics): scenarios use it after
 * a load to report what the gateway itself counted or timed.
 */

/**
 * Every sample of metric `name` (exact, so `x_sum` is not a sample of `x`).
 * @returns {{ labels: Record<string, string>, value: number }[]}
 */
export function samples (metricsText, name) {
  const out = []
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith(name)) continue
    const rest = line.slice(name.length)
    const m = /^(?:\{([^}]*)\})?\s+(\S+)/.exec(rest)
    if (m === null) continue
    const labels = {}
    for (const [, k, v] of (m[1] ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v
    out.push({ labels, value: Number(m[2]) })
  }
  return out
}

/** The sum of `name`'s samples whose labels include every pair of `where`. */
export function sumOf (metricsText, name, where = {}) {
  return samples(metricsText, name)
    .filter((s) => Object.entries(where).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0)
}

/** `name`'s samples summed per value of `label`, or null when the metric has no sample at all. */
export function sumBy (metricsText, name, label) {
  const found = samples(metricsText, name)
  if (found.length === 0) return null
  const out = {}
  for (const s of found) {
    const key = s.labels[label] ?? '?'
    out[key] = (out[key] ?? 0) + s.value
  }
  return out
}

/**
 * Mean of a histogram (`<name>_sum / <name>_count`) over the samples matching `where`, in
 * microseconds when the histogram is in seconds; null when it counted nothing.
 */
export function histogramMeanUs (metricsText, name, where = {}) {
  const count = sumOf(metricsText, `${name}_count`, where)
  return count > 0 ? sumOf(metricsText, `${name}_sum`, where) / count * 1e6 : null
}

/** GET an admin URL's text (the gateway's /metrics) with a bounded wait. */
export async function fetchText (url, timeoutMs = 5000) {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
  const text = await res.text()
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}: ${text.slice(0, 200)}`)
  return text
}
