/**
 * `headliner demo`: the built-in hit predictor, no config needed. Starts the demo model server's
 * three versions on local ports and the gateway in front of them: v1 90%, v2 10%, v3 a shadow.
 */
import { ConfigSchema, type Config } from '../config/schema.js'
import { startModelServer, type RunningModelServer } from '../demo/model-server.js'

export interface DemoOptions {
  host: string
  /** First model-server port; v1, v2, v3 take this and the next two (0 = any free ports). */
  modelPort: number
  port: number
  adminPort: number
}

export async function startDemoModels (opts: Pick<DemoOptions, 'modelPort'>): Promise<RunningModelServer[]> {
  const servers: RunningModelServer[] = []
  for (const [i, version] of (['v1', 'v2', 'v3'] as const).entries()) {
    servers.push(await startModelServer({ version, host: '127.0.0.1', port: opts.modelPort === 0 ? 0 : opts.modelPort + i }))
  }
  return servers
}

/** The demo's config, as if read from YAML (so defaults apply exactly as for a user's file). */
export function demoConfig (opts: DemoOptions, urls: { v1: string; v2: string; v3: string }): Config {
  return ConfigSchema.parse({
    schemaVersion: 1,
    server: { host: opts.host, port: opts.port },
    admin: { host: '127.0.0.1', port: opts.adminPort },
    models: {
      'hit-predictor': {
        sticky: { header: 'x-user-id' },
        timeoutMs: 2000,
        versions: {
          v1: { url: urls.v1, weight: 90 },
          v2: { url: urls.v2, weight: 10 },
          v3: { url: urls.v3, weight: 0, mirror: 100 }
        }
      }
    }
  })
}

export function demoBanner (dataUrl: string, adminUrl: string, adminToken: string): string {
  const body = JSON.stringify({
    inputs: [{ name: 'song_features', shape: [1, 12], datatype: 'FP32', data: [0.71, 0.8, 5, -5.2, 1, 0.05, 0.1, 0, 0.12, 0.6, 118, 201000] }]
  })
  return [
    '',
    'Headliner demo: hit-predictor v1 (90%), v2 (10%), v3 (shadow)',
    `  data plane   ${dataUrl}`,
    `  metrics      ${adminUrl}/metrics`,
    `  admin API    ${adminUrl}/admin/models  (authorization: Bearer ${adminToken})`,
    '',
    'Try:',
    `  curl -s -i ${dataUrl}/v2/models/hit-predictor/infer -H 'content-type: application/json' -H 'x-user-id: alice' -d '${body}'`,
    `  curl -s ${adminUrl}/admin/models/hit-predictor/shadow -H 'authorization: Bearer ${adminToken}'`,
    ''
  ].join('\n')
}
