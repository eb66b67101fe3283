/**
 * Every overlay renders with the real `kubectl kustomize`, every object validates strictly against
 * the Kubernetes API schemas, and the render follows the project's rules. Each check is also run on a
 * planted defect, so a test that passes is a test that could have failed.
 */
import { beforeAll, describe, expect, test } from 'vitest'
import { join } from 'node:path'
import { parse } from 'yaml'
import { ROOT } from '../helpers/cli.js'
import { overlays, render, schemaErrors, unknownFieldErrors, type K8sObject } from './render.js'
import { containerViolations, gatewayViolations, labelViolations, networkPolicyViolations, referenceViolations, serviceViolations } from './rules.js'

/* eslint-disable @typescript-eslint/no-explicit-any -- planting defects in rendered objects */
type Any = any

const PORTS = { http: 8080, metrics: 9464, admin: 9901 }
const rendered = new Map<string, K8sObject[]>()
let unknownFields: Record<string, string[]> = {}
const get = (overlay: string): K8sObject[] => rendered.get(overlay)!
const find = (objects: K8sObject[], kind: string, name: string): Any => objects.find((o) => o.kind === kind && o.metadata.name === name)
const gatewayConfig = (objects: K8sObject[]): Any => parse(find(objects, 'ConfigMap', 'headliner-config').data['headliner.yaml'])

/** A misspelt field in a container and in a ServiceMonitor endpoint, planted in copies of the demo's. */
function plantedTypos (demo: K8sObject[]): K8sObject[] {
  const gateway = structuredClone(find(demo, 'Deployment', 'headliner'))
  const container = gateway.spec.template.spec.containers[0]
  container.readinesProbe = container.readinessProbe
  const monitor = structuredClone(find(demo, 'ServiceMonitor', 'headliner'))
  monitor.spec.endpoints[0].intervall = '5s'
  return [gateway, monitor]
}

beforeAll(async () => {
  for (const o of ['base', ...overlays()]) rendered.set(o, await render(join(ROOT, 'k8s', o === 'base' ? 'base' : `overlays/${o}`)))
  unknownFields = unknownFieldErrors({ ...Object.fromEntries(rendered), planted: plantedTypos(get('demo')) })
}, 120_000)

test('the overlays are demo and single', () => {
  expect(overlays()).toEqual(['demo', 'single'])
})

describe.each(['base', ...overlays()])('%s: API schemas', (overlay) => {
  test('every object passes the JSON Schema of its kind', async () => {
    expect(await schemaErrors(get(overlay))).toEqual([])
  })
  test('no object has a field its kind does not define', () => {
    expect(unknownFields[overlay]).toEqual([])
  })
})

describe('the schema checks fail on planted defects', () => {
  test('a misspelt field anywhere (readinesProbe, a ServiceMonitor endpoint field) is reported', () => {
    const errors = unknownFields.planted!
    expect(errors).toHaveLength(2)
    expect(errors[0]).toMatch(/^Deployment\/headliner: .*'"readinesProbe"' does not exist in type 'IContainer'/)
    expect(errors[1]).toMatch(/^ServiceMonitor\/headliner: .*'"intervall"' does not exist/)
  })
  test('a wrong type and a missing required field are reported', async () => {
    const hpa = structuredClone(find(get('demo'), 'HorizontalPodAutoscaler', 'headliner'))
    hpa.spec.minReplicas = 'three'
    const service = structuredClone(find(get('demo'), 'Service', 'headliner'))
    delete service.spec.ports[0].port
    const errors = await schemaErrors([hpa, service])
    expect(errors).toEqual([
      expect.stringMatching(/^HorizontalPodAutoscaler\/headliner: .*minReplicas must be integer/),
      expect.stringMatching(/^Service\/headliner: .*must have required property port/)
    ])
  })
})

describe.each(overlays())('%s: project rules', (overlay) => {
  test('recommended labels, container hardening, Service selectors, references', () => {
    const objects = get(overlay)
    expect([...labelViolations(objects), ...containerViolations(objects), ...serviceViolations(objects), ...referenceViolations(objects)]).toEqual([])
  })
  test('the gateway: probes, drain, config directory, token file, network policy', () => {
    const objects = get(overlay)
    expect(gatewayViolations(objects, gatewayConfig(objects).server.shutdownGraceMs)).toEqual([])
    expect(networkPolicyViolations(objects, PORTS)).toEqual([])
  })
})

describe('the rules fail on planted defects', () => {
  const planted = (change: (objects: Any[]) => void): K8sObject[] => {
    const objects = structuredClone(get('demo'))
    change(objects)
    return objects
  }
  const gateway = (objects: Any[]): Any => objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'headliner').spec.template.spec

  test.each<[string, (o: Any[]) => void, (o: K8sObject[]) => string[], RegExp]>([
    ['no readiness probe', (o) => { delete gateway(o).containers[0].readinessProbe }, containerViolations, /container gateway: no readinessProbe/],
    ['a writable root file system', (o) => { gateway(o).containers[0].securityContext.readOnlyRootFilesystem = false }, containerViolations, /readOnlyRootFilesystem is not true/],
    ['no memory limit', (o) => { delete gateway(o).containers[0].resources.limits }, containerViolations, /no memory limit/],
    ['a missing label', (o) => { delete find(o, 'Service', 'headliner').metadata.labels['app.kubernetes.io/instance'] }, labelViolations, /no label app.kubernetes.io\/instance/],
    ['a Service selecting nothing', (o) => { find(o, 'Service', 'headliner-metrics').spec.selector['app.kubernetes.io/component'] = 'gatway' }, serviceViolations, /Service\/headliner-metrics: selector .* matches no Deployment/],
    ['a Service port naming no container port', (o) => { find(o, 'Service', 'headliner').spec.ports[0].targetPort = 'htp' }, serviceViolations, /targetPort htp/],
    ['a ConfigMap not in the render', (o) => { o.splice(o.findIndex((x) => x.kind === 'ConfigMap' && x.metadata.name === 'headliner-config'), 1) }, referenceViolations, /ConfigMap headliner-config is not in the render/],
    ['a Secret not in the render', (o) => { gateway(o).volumes.find((v: Any) => v.name === 'tokens').secret.secretName = 'tokens' }, referenceViolations, /Secret tokens is not in the render/]
  ])('%s', (_name, change, rule, message) => {
    expect(rule(planted(change))).toEqual(expect.arrayContaining([expect.stringMatching(message)]))
  })

  test.each<[string, (o: Any[]) => void, RegExp]>([
    ['the config mounted with subPath', (o) => { gateway(o).containers[0].volumeMounts[0].subPath = 'headliner.yaml' }, /subPath/],
    ['a grace period shorter than preStop + drain', (o) => { gateway(o).terminationGracePeriodSeconds = 15 }, /terminationGracePeriodSeconds 15 is not above preStop 5000 ms \+ shutdownGraceMs 10000/],
    ['liveness on the readiness endpoint', (o) => { gateway(o).containers[0].livenessProbe.httpGet.path = '/v2/health/ready' }, /livenessProbe is not GET \/v2\/health\/live/],
    ['the token env naming a path on no Secret', (o) => { gateway(o).containers[0].env[0].value = '/etc/headliner/admin-token' }, /HEADLINER_ADMIN_TOKEN_FILE/]
  ])('gateway: %s', (_name, change, message) => {
    expect(gatewayViolations(planted(change), 10_000)).toEqual([expect.stringMatching(message)])
  })

  test('network policy: the admin port open to every namespace', () => {
    const objects = planted((o) => { find(o, 'NetworkPolicy', 'headliner').spec.ingress[2].from = [{ namespaceSelector: {} }] })
    expect(networkPolicyViolations(objects, PORTS)).toEqual(['admin port 9901 is open beyond this namespace'])
  })
})

describe('what each overlay adds', () => {
  const kinds = (objects: K8sObject[]): string[] => objects.map((o) => `${o.kind}/${o.metadata.name}`)

  test('base has no demo parts: no model servers, no Redis, no config or token of its own', () => {
    expect(kinds(get('base')).filter((k) => /hit-predictor|redis|headliner-config|headliner-tokens/.test(k))).toEqual([])
  })
  test('demo: 3 gateway replicas (and the HPA floor), Redis as the state store, three demo models', () => {
    const objects = get('demo')
    expect(find(objects, 'Deployment', 'headliner').spec.replicas).toBe(3)
    expect(find(objects, 'HorizontalPodAutoscaler', 'headliner').spec.minReplicas).toBe(3)
    expect(gatewayConfig(objects).state).toEqual({ store: 'redis', url: 'redis://headliner-redis:6379' })
    expect(find(objects, 'Service', 'headliner-redis')).toBeDefined()
    expect(kinds(objects).filter((k) => k.startsWith('Deployment/hit-predictor-'))).toEqual(['Deployment/hit-predictor-v1', 'Deployment/hit-predictor-v2', 'Deployment/hit-predictor-v3'])
  })
  test('single: 1 replica, file store on a claimed volume, Recreate, no Redis, HPA or PDB', () => {
    const objects = get('single')
    const gw = find(objects, 'Deployment', 'headliner')
    expect(gw.spec.replicas).toBe(1)
    expect(gw.spec.strategy).toEqual({ type: 'Recreate' })
    const state = gatewayConfig(objects).state
    expect(state.store).toBe('file')
    const mount = gw.spec.template.spec.containers[0].volumeMounts.find((m: Any) => state.path.startsWith(`${m.mountPath}/`))
    expect(gw.spec.template.spec.volumes.find((v: Any) => v.name === mount?.name)?.persistentVolumeClaim?.claimName).toBe('headliner-state')
    expect(kinds(objects).filter((k) => /redis|HorizontalPodAutoscaler|PodDisruptionBudget/.test(k))).toEqual([])
  })
})
