/**
 * Health and metadata endpoints of the data plane (OIP v2 and KServe v1). Per OIP, health answers
 * 200 for true and a 4xx (400, as Triton does) for false; the JSON body says why, for humans.
 */
import type { FastifyInstance } from 'fastify'
import { errors } from '../errors.js'
import type { ModelRuntime, Runtime, VersionRuntime } from '../runtime/runtime.js'

export function registerHealthRoutes (app: FastifyInstance, runtime: Runtime, gatewayVersion: string, draining: () => boolean = () => false): void {
  app.get('/v2/health/live', async () => ({ live: true }))

  app.get('/v2/health/ready', async (_request, reply) => {
    // Draining (SIGTERM): unready at once so load balancers stop sending, while requests still succeed.
    if (draining()) return reply.code(400).send({ ready: false, reasons: ['the gateway is shutting down'] })
    const notReady = [...runtime.snapshot.models.values()].flatMap((m) => servingNotReady(m))
    if (notReady.length === 0) return { ready: true }
    return reply.code(400).send({ ready: false, reasons: notReady })
  })

  app.get('/v2', async () => ({ name: 'headliner', version: gatewayVersion, extensions: [] }))

  app.get('/v2/models/:model', async (request) => modelMetadata(model(runtime, request.params)))
  app.get('/v2/models/:model/ready', async (request, reply) => {
    const m = model(runtime, request.params)
    const ready = m.table.readyWeighted.length > 0
    return reply.code(ready ? 200 : 400).send({ name: m.name, ready })
  })
  app.get('/v2/models/:model/versions/:version', async (request) => versionMetadata(model(runtime, request.params), version(runtime, request.params)))
  app.get('/v2/models/:model/versions/:version/ready', async (request, reply) => {
    const v = version(runtime, request.params)
    return reply.code(v.readiness.ready ? 200 : 400).send({ name: model(runtime, request.params).name, version: v.name, ready: v.readiness.ready, reason: v.readiness.reason })
  })
  app.get('/v1/models/:model', async (request) => {
    const m = model(runtime, request.params)
    return { name: m.name, ready: m.table.readyWeighted.length > 0 }
  })
}

/** Serving versions (weight > 0) that are not ready, with reasons: what keeps the gateway unready. */
export function servingNotReady (m: ModelRuntime): string[] {
  return m.table.weighted.filter((v) => !v.ready).map((v) => `${m.name}/${v.name}: ${m.versions.get(v.name)?.readiness.reason ?? 'unknown'}`)
}

function model (runtime: Runtime, params: unknown): ModelRuntime {
  return runtime.require((params as { model: string }).model)
}

function version (runtime: Runtime, params: unknown): VersionRuntime {
  const { model: name, version: vname } = params as { model: string; version: string }
  const v = model(runtime, params).versions.get(vname)
  if (v === undefined) throw errors.unknownVersion(name, vname)
  return v
}

/**
 * The logical model's metadata: its versions, and the tensors of the version with the largest
 * weight that is ready (clients of one logical model see one contract).
 */
function modelMetadata (m: ModelRuntime) {
  const lead = [...m.table.readyWeighted].sort((a, b) => b.weight - a.weight)[0]
  const upstream = lead === undefined ? undefined : m.versions.get(lead.name)?.readiness.metadata as { inputs?: unknown; outputs?: unknown } | undefined
  return {
    name: m.name,
    versions: [...m.versions.keys()],
    platform: 'headliner',
    inputs: upstream?.inputs ?? [],
    outputs: upstream?.outputs ?? []
  }
}

function versionMetadata (m: ModelRuntime, v: VersionRuntime) {
  const upstream = v.readiness.metadata as { inputs?: unknown; outputs?: unknown } | undefined
  return { name: m.name, versions: [v.name], platform: 'headliner', inputs: upstream?.inputs ?? [], outputs: upstream?.outputs ?? [] }
}
