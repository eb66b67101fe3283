/**
 * `headliner demo`: the built-in hit predictor, no config needed. Starts the demo model server's
 * three versions on local ports and the gateway in front of them: v1 90%, v2 10%, v3 a shadow.
 */
import { fileURLToPath } from 'node:url'
import { ConfigSchema, type Config } from '../config/schema.js'
import { startModelServer, type RunningModelServer } from '../demo/model-server.js'

/** The hit predictor's artifacts (transforms, labels, reference profile): `models/` at the package root. */
export const MODELS_DIR = fileURLToPath(new URL('../../models/hit-predictor/', import.meta.url))

export const DEMO_SCENARIOS = ['default', 'stale-transform', 'shadows'] as const
export type DemoScenario = typeof DEMO_SCENARIOS[number]

export interface DemoOptions {
  host: string
  /** First model-server port; v1, v2, v3 take this and the next two (0 = any free ports). */
  modelPort: number
  port: number
  adminPort: number
  /**
   * `default`: v1 90%, v2 10%, v3 a shadow, each with its own transform.
   * `stale-transform`: v3 serves 20% but was deployed with v2's processing: the contract check marks
   * it not ready and its traffic falls back to v1 and v2.
   * `shadows`: v1 serves 100%; v2 (a retrain) and v3 (the model whose feature order changed, deployed
   * without its processing) are shadows: v2 agrees with v1 mostly, v3 rarely.
   */
  scenario: DemoScenario
}

/**
 * Starts v1, v2, v3 on `modelPort` and the next two ports. When one cannot listen, the ones already
 * started are closed before the error goes up: a failed demo leaves nothing running.
 */
export async function startDemoModels (opts: Pick<DemoOptions, 'modelPort'>): Promise<RunningModelServer[]> {
  const servers: RunningModelServer[] = []
  try {
    for (const [i, version] of (['v1', 'v2', 'v3'] as const).entries()) {
      const port = opts.modelPort === 0 ? 0 : opts.modelPort + i
      servers.push(await startModelServer({ version, host: '127.0.0.1', port }).catch((err: unknown) => {
        throw new Error(`demo model server ${version} cannot listen on 127.0.0.1:${port}: ${listenReason(err)}`)
      }))
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()))
    throw err
  }
  return servers
}

/** `address already in use` rather than a stack: the part of a listen error a user acts on. */
export function listenReason (err: unknown): string {
  const code = (err as { code?: string }).code
  if (code === 'EADDRINUSE') return 'address already in use'
  if (code === 'EACCES') return 'permission denied (ports below 1024 need privileges)'
  if (code === 'EADDRNOTAVAIL') return 'no such local address'
  return err instanceof Error ? err.message : String(err)
}

/** The demo's config, as if read from YAML (so defaults apply exactly as for a user's file). */
export function demoConfig (opts: DemoOptions, urls: { v1: string; v2: string; v3: string }): Config {
  const transform = (v: string) => `${MODELS_DIR}${v}/transform.yaml`
  const stale = opts.scenario === 'stale-transform'
  const versions = opts.scenario === 'shadows'
    ? {
        v1: { url: urls.v1, weight: 100, transform: transform('v1') },
        v2: { url: urls.v2, weight: 0, mirror: 100, transform: transform('v2') },
        v3: { url: urls.v3, weight: 0, mirror: 100 }
      }
    : {
        v1: { url: urls.v1, weight: stale ? 70 : 90, transform: transform('v1') },
        v2: { url: urls.v2, weight: 10, transform: transform('v2') },
        v3: stale
          ? { url: urls.v3, weight: 20, transform: transform('v2') }
          : { url: urls.v3, weight: 0, mirror: 100, transform: transform('v3') }
      }
  return ConfigSchema.parse({
    schemaVersion: 1,
    server: { host: opts.host, port: opts.port },
    admin: { host: '127.0.0.1', port: opts.adminPort },
    models: {
      'hit-predictor': {
        sticky: { header: 'x-user-id' },
        timeoutMs: 2000,
        versions,
        drift: { reference: `${MODELS_DIR}reference.json` }
      }
    }
  })
}

const SCENARIO_TITLES: Record<DemoScenario, string> = {
  default: 'Headliner demo: hit-predictor v1 (90%), v2 (10%), v3 (shadow), each with its own transform',
  'stale-transform': 'Headliner demo (stale-transform): v1 70%, v2 10%, v3 20% deployed with v2\'s processing: watch it refused',
  shadows: 'Headliner demo (shadows): v1 100%; v2 (a retrain) and v3 (new feature order, no processing) compared as shadows'
}

export function demoBanner (dataUrl: string, adminUrl: string, adminToken: string, scenario: DemoOptions['scenario'], host = '127.0.0.1'): string {
  const named = JSON.stringify({ instances: [{ danceability: 0.71, energy: 0.8, key: 5, loudness: -5.2, mode: 1, speechiness: 0.05, acousticness: 0.1, instrumentalness: 0, liveness: 0.12, valence: 0.6, tempo: 118, duration_ms: 201000 }] })
  const body = JSON.stringify({
    inputs: [{ name: 'song_features', shape: [1, 12], datatype: 'FP32', data: [0.71, 0.8, 5, -5.2, 1, 0.05, 0.1, 0, 0.12, 0.6, 118, 201000] }]
  })
  return [
    '',
    SCENARIO_TITLES[scenario],
    `  console      ${adminUrl}/  (open it in a browser; paste the token below)`,
    `  status       npm run headliner -- status --gateway ${adminUrl} --token ${adminToken}`,
    `  data plane   ${dataUrl}${host === '0.0.0.0' || host === '::' ? `  (bound to ${host}: every interface)` : ''}`,
    `  metrics      ${adminUrl}/metrics`,
    `  admin API    ${adminUrl}/admin/models  (authorization: Bearer ${adminToken})`,
    '',
    'Try:',
    `  curl -s -i ${dataUrl}/v2/models/hit-predictor/infer -H 'content-type: application/json' -H 'x-user-id: alice' -d '${body}'`,
    `  curl -s ${dataUrl}/v1/models/hit-predictor:predict -d '${named}'`,
    `  curl -s ${adminUrl}/admin/models/hit-predictor/shadow -H 'authorization: Bearer ${adminToken}'`,
    `  npm run headliner -- demo traffic --url ${dataUrl} --rps 50 --duration 60s --drift 0.5`,
    ''
  ].join('\n')
}
