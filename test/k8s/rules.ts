/**
 * The project's rules for its manifests, on top of the API schemas: pure functions from rendered
 * objects to a list of violations (empty: the render follows the rules). The tests run them on every
 * overlay and on planted defects, so each rule is seen to fail.
 */
import type { K8sObject } from './render.js'

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered objects are checked field by field here */
type Any = any

const RECOMMENDED_LABELS = ['name', 'instance', 'component', 'part-of', 'version', 'managed-by'].map((l) => `app.kubernetes.io/${l}`)

const id = (o: K8sObject): string => `${o.kind}/${o.metadata.name}`
const workloads = (objects: K8sObject[]): K8sObject[] => objects.filter((o) => o.kind === 'Deployment')
const podSpec = (o: K8sObject): Any => (o as Any).spec.template.spec

/** Every object carries the recommended `app.kubernetes.io/*` labels (the Namespace excepted). */
export function labelViolations (objects: K8sObject[]): string[] {
  return objects.filter((o) => o.kind !== 'Namespace').flatMap((o) =>
    RECOMMENDED_LABELS.filter((l) => o.metadata.labels?.[l] === undefined).map((l) => `${id(o)}: no label ${l}`))
}

/** Probes, resources and a locked-down securityContext on every container of every Deployment. */
export function containerViolations (objects: K8sObject[]): string[] {
  const out: string[] = []
  for (const w of workloads(objects)) {
    const pod = podSpec(w)
    if (pod.securityContext?.seccompProfile?.type !== 'RuntimeDefault') out.push(`${id(w)}: pod seccompProfile is not RuntimeDefault`)
    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
      const where = `${id(w)} container ${c.name}`
      if (c.readinessProbe === undefined) out.push(`${where}: no readinessProbe`)
      if (c.livenessProbe === undefined) out.push(`${where}: no livenessProbe`)
      if (c.resources?.requests?.cpu === undefined || c.resources?.requests?.memory === undefined) out.push(`${where}: no cpu and memory requests`)
      if (c.resources?.limits?.memory === undefined) out.push(`${where}: no memory limit`)
      const sc = c.securityContext ?? {}
      if ((sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot) !== true) out.push(`${where}: runAsNonRoot is not true`)
      if ((sc.runAsUser ?? pod.securityContext?.runAsUser) === 0) out.push(`${where}: runs as uid 0`)
      if (sc.allowPrivilegeEscalation !== false) out.push(`${where}: allowPrivilegeEscalation is not false`)
      if (sc.readOnlyRootFilesystem !== true) out.push(`${where}: readOnlyRootFilesystem is not true`)
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) out.push(`${where}: capabilities do not drop ALL`)
    }
  }
  return out
}

const matches = (selector: Record<string, string>, labels: Record<string, string> = {}): boolean =>
  Object.entries(selector).every(([k, v]) => labels[k] === v)

/** Every Service selects the pods of a Deployment, and its named target ports exist on them. */
export function serviceViolations (objects: K8sObject[]): string[] {
  const out: string[] = []
  for (const s of objects.filter((o) => o.kind === 'Service')) {
    const selector = (s as Any).spec.selector ?? {}
    const targets = workloads(objects).filter((w) => matches(selector, (w as Any).spec.template.metadata.labels))
    if (Object.keys(selector).length === 0 || targets.length === 0) { out.push(`${id(s)}: selector ${JSON.stringify(selector)} matches no Deployment's pods`); continue }
    for (const p of (s as Any).spec.ports) {
      if (typeof p.targetPort !== 'string') continue
      const named = targets.some((w) => podSpec(w).containers.some((c: Any) => (c.ports ?? []).some((cp: Any) => cp.name === p.targetPort)))
      if (!named) out.push(`${id(s)}: targetPort ${p.targetPort} is no container port of the selected pods`)
    }
  }
  // A Deployment's selector must select its own template (the API refuses it otherwise, at apply time).
  for (const w of workloads(objects)) {
    if (!matches((w as Any).spec.selector.matchLabels, (w as Any).spec.template.metadata.labels)) out.push(`${id(w)}: selector does not match its template`)
  }
  return out
}

/** Every ConfigMap, Secret and PersistentVolumeClaim a pod uses is in the render. */
export function referenceViolations (objects: K8sObject[]): string[] {
  const has = (kind: string, name: string): boolean => objects.some((o) => o.kind === kind && o.metadata.name === name)
  const out: string[] = []
  for (const w of workloads(objects)) {
    const pod = podSpec(w)
    const refs: Array<[string, string | undefined]> = []
    for (const v of pod.volumes ?? []) {
      refs.push(['ConfigMap', v.configMap?.name], ['Secret', v.secret?.secretName], ['PersistentVolumeClaim', v.persistentVolumeClaim?.claimName])
      for (const s of v.projected?.sources ?? []) refs.push(['ConfigMap', s.configMap?.name], ['Secret', s.secret?.name])
    }
    for (const c of pod.containers) {
      for (const e of c.env ?? []) refs.push(['ConfigMap', e.valueFrom?.configMapKeyRef?.name], ['Secret', e.valueFrom?.secretKeyRef?.name])
      for (const e of c.envFrom ?? []) refs.push(['ConfigMap', e.configMapRef?.name], ['Secret', e.secretRef?.name])
      for (const m of c.volumeMounts ?? []) if (!(pod.volumes ?? []).some((v: Any) => v.name === m.name)) out.push(`${id(w)} container ${c.name}: mounts unknown volume ${m.name}`)
    }
    const mounted = new Set(pod.containers.flatMap((c: Any) => (c.volumeMounts ?? []).map((m: Any) => m.name)))
    for (const v of pod.volumes ?? []) if (!mounted.has(v.name)) out.push(`${id(w)}: volume ${v.name} is mounted by no container`)
    for (const [kind, name] of refs) if (name !== undefined && !has(kind, name)) out.push(`${id(w)}: ${kind} ${name} is not in the render`)
  }
  return out
}

/** The gateway Deployment: what hot reload, draining and the token file rely on. */
export function gatewayViolations (objects: K8sObject[], shutdownGraceMs: number): string[] {
  const gw = workloads(objects).find((w) => w.metadata.labels?.['app.kubernetes.io/component'] === 'gateway')
  if (gw === undefined) return ['no gateway Deployment (app.kubernetes.io/component: gateway)']
  const pod = podSpec(gw)
  const c = pod.containers.find((x: Any) => x.name === 'gateway')
  if (c === undefined) return [`${id(gw)}: no container named gateway`]
  const out: string[] = []
  if (c.readinessProbe?.httpGet?.path !== '/v2/health/ready') out.push('gateway readinessProbe is not GET /v2/health/ready')
  if (c.livenessProbe?.httpGet?.path !== '/v2/health/live') out.push('gateway livenessProbe is not GET /v2/health/live')
  if (c.startupProbe === undefined) out.push('gateway has no startupProbe')
  if ((pod.topologySpreadConstraints ?? []).length === 0) out.push('gateway has no topologySpreadConstraints')
  // The preStop wait, then the drain, must both fit in the grace period before SIGKILL.
  const wait = /setTimeout\([^,]+,\s*(\d+)\)/.exec((c.lifecycle?.preStop?.exec?.command ?? []).join(' '))
  if (wait === null) out.push('gateway preStop does not wait (node -e "setTimeout(() => {}, MS)")')
  else if ((pod.terminationGracePeriodSeconds ?? 30) * 1000 <= Number(wait[1]) + shutdownGraceMs) out.push(`terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} is not above preStop ${wait[1]} ms + shutdownGraceMs ${shutdownGraceMs}`)
  const configArg = c.args?.[c.args.indexOf('--config') + 1] as string | undefined
  const configMount = (c.volumeMounts ?? []).find((m: Any) => configArg?.startsWith(`${m.mountPath}/`) === true)
  if (configMount === undefined) out.push(`gateway --config ${configArg} is on no mounted volume`)
  else if (configMount.subPath !== undefined) out.push('gateway config is mounted with subPath: a ConfigMap edit would never reach the pod')
  else if ((pod.volumes ?? []).find((v: Any) => v.name === configMount.name)?.configMap === undefined) out.push('gateway config volume is not a ConfigMap')
  const tokenFile = (c.env ?? []).find((e: Any) => e.name === 'HEADLINER_ADMIN_TOKEN_FILE')?.value as string | undefined
  const tokenMount = (c.volumeMounts ?? []).find((m: Any) => tokenFile?.startsWith(`${m.mountPath}/`) === true)
  if (tokenMount === undefined || (pod.volumes ?? []).find((v: Any) => v.name === tokenMount.name)?.secret === undefined) out.push('HEADLINER_ADMIN_TOKEN_FILE is not a file of a mounted Secret')
  return out
}

/**
 * The gateway's NetworkPolicy: the data plane open, metrics only from the monitoring namespace, the
 * admin port only from this namespace (a podSelector without a namespaceSelector).
 */
export function networkPolicyViolations (objects: K8sObject[], ports: { http: number; metrics: number; admin: number }): string[] {
  const np = objects.find((o) => o.kind === 'NetworkPolicy' && (o as Any).spec.podSelector?.matchLabels?.['app.kubernetes.io/component'] === 'gateway') as Any
  if (np === undefined) return ['no NetworkPolicy selects the gateway pods']
  const rulesFor = (port: number): Any[] => np.spec.ingress.filter((r: Any) => (r.ports ?? []).some((p: Any) => p.port === port))
  const out: string[] = []
  if (!rulesFor(ports.http).some((r: Any) => r.from === undefined)) out.push(`data plane port ${ports.http} is not open to all`)
  for (const r of rulesFor(ports.metrics)) {
    if (r.from === undefined || r.from.some((f: Any) => f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] !== 'monitoring')) out.push(`metrics port ${ports.metrics} is open beyond the monitoring namespace`)
  }
  if (rulesFor(ports.metrics).length === 0) out.push(`metrics port ${ports.metrics} is not reachable from the monitoring namespace`)
  for (const r of rulesFor(ports.admin)) {
    if (r.from === undefined || r.from.some((f: Any) => f.namespaceSelector !== undefined || f.ipBlock !== undefined)) out.push(`admin port ${ports.admin} is open beyond this namespace`)
  }
  return out
}
