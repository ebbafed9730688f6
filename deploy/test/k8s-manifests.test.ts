// The Kubernetes manifests of deploy/k8s/, rendered per overlay with Kustomize as `kubectl apply -k`
// would: every object validates against its schema, the manifest policy of @eventcore/cli passes,
// and the requirements hold with the production checklist's values. Without kubectl (or
// kustomize) the tests are skipped locally, saying so; in CI they fail instead.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { checkManifests, containerEnv, type KubeObject, MANIFEST_CHECKS } from '@eventcore/cli'
import { ENV_NAMES, SECRET_NAMES } from '@eventcore/service'
import type { ICluster } from '@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Cluster'
import type { IScheduledBackup } from '@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/ScheduledBackup'
import type { IPrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule'
import type { IServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor'
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment'
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler'
import type { ICronJob } from 'kubernetes-models/batch/v1/CronJob'
import type { IJob } from 'kubernetes-models/batch/v1/Job'
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy'
import type { INetworkPolicyEgressRule } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyEgressRule'
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget'
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap'
import type { IContainer } from 'kubernetes-models/v1/Container'
import type { ILimitRange } from 'kubernetes-models/v1/LimitRange'
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec'
import type { IResourceQuota } from 'kubernetes-models/v1/ResourceQuota'
import type { IService } from 'kubernetes-models/v1/Service'
import { beforeAll, describe, expect, it } from 'vitest'
import { parse, parseAllDocuments } from 'yaml'
import { deployFile } from './deploy-files.js'
import { objectName, schemaProblems } from './kube-schemas.js'
import { kustomize, rendererAvailability } from './kustomize.js'
import { ruleFiles } from './prometheus-rules.js'

const K8S_DIR = deployFile('k8s')

/** What is rendered and checked: the base, each overlay, and production with its database. */
const RENDERINGS = {
  base: 'base',
  staging: 'overlays/staging',
  production: 'overlays/production',
  'production + cloudnative-pg': 'overlays/production-cnpg',
} as const
type Rendering = keyof typeof RENDERINGS
const NAMES = Object.keys(RENDERINGS) as Rendering[]

// The production checklist (Performance → Resource Limits, Reliability → High Availability).
const CHECKLIST = {
  limitRange: {
    type: 'Container',
    default: { memory: '512Mi', cpu: '500m' },
    defaultRequest: { memory: '256Mi', cpu: '250m' },
    max: { memory: '2Gi', cpu: '2000m' },
  },
  resourceQuota: {
    'requests.cpu': '4',
    'requests.memory': '8Gi',
    'limits.cpu': '8',
    'limits.memory': '16Gi',
    persistentvolumeclaims: '4',
  },
  readinessProbe: {
    httpGet: { path: '/ready', port: 'http' },
    initialDelaySeconds: 10,
    periodSeconds: 5,
    timeoutSeconds: 3,
    failureThreshold: 3,
  },
  livenessProbe: {
    httpGet: { path: '/health', port: 'http' },
    initialDelaySeconds: 60,
    periodSeconds: 30,
    timeoutSeconds: 5,
    failureThreshold: 3,
  },
} as const

const POD_LABELS = { 'app.kubernetes.io/name': 'eventcore', 'app.kubernetes.io/component': 'api' }
const BACKUP_POLICY = ['--keep-last', '3', '--keep-daily', '7', '--keep-weekly', '4', '--keep-monthly', '6']

const availability = rendererAvailability()
const rendered = new Map<Rendering, KubeObject[]>()

// --- Reading the rendering. The schema tests validate every object first; these casts type what
// the schemas accepted.

const objectsOf = (rendering: Rendering): KubeObject[] => {
  const objects = rendered.get(rendering)
  if (objects === undefined) throw new Error(`${rendering} was not rendered`)
  return objects
}

function one<T>(objects: readonly KubeObject[], kind: string, name: string): T {
  const found = objects.filter((object) => object.kind === kind && object.metadata.name === name)
  if (found.length !== 1) throw new Error(`expected one ${kind}/${name}, found ${found.length}`)
  return found[0] as unknown as T
}

const ofKind = <T>(objects: readonly KubeObject[], kind: string): T[] =>
  objects.filter((object) => object.kind === kind) as unknown as T[]

// configMapGenerator appends a hash of the contents to the name.
function configMap(objects: readonly KubeObject[]): Readonly<Record<string, string>> {
  const maps = ofKind<IConfigMap>(objects, 'ConfigMap').filter((map) =>
    /^eventcore-config-[a-z0-9]{10}$/.test(map.metadata?.name ?? ''),
  )
  if (maps.length !== 1 || maps[0]?.data === undefined)
    throw new Error('expected one eventcore-config-<hash> ConfigMap')
  return maps[0].data
}

const deployment = (objects: readonly KubeObject[]) => one<IDeployment>(objects, 'Deployment', 'eventcore-app')
const podSpec = (objects: readonly KubeObject[]): IPodSpec => {
  const spec = deployment(objects).spec?.template.spec
  if (spec === undefined) throw new Error('Deployment/eventcore-app has no pod spec')
  return spec
}
const appContainer = (objects: readonly KubeObject[]): IContainer => {
  const container = podSpec(objects).containers.find((candidate) => candidate.name === 'app')
  if (container === undefined) throw new Error('Deployment/eventcore-app has no container "app"')
  return container
}

/** Every pod spec of a workload (Deployment, Job, CronJob), with the workload's name. */
function podSpecs(objects: readonly KubeObject[]): { readonly workload: string; readonly spec: IPodSpec }[] {
  return objects.flatMap((object) => {
    const spec =
      object.kind === 'Deployment'
        ? (object as unknown as IDeployment).spec?.template.spec
        : object.kind === 'Job'
          ? (object as unknown as IJob).spec?.template.spec
          : object.kind === 'CronJob'
            ? (object as unknown as ICronJob).spec?.jobTemplate.spec?.template.spec
            : undefined
    return spec === undefined ? [] : [{ workload: objectName(object), spec }]
  })
}

const containersOf = (spec: IPodSpec): IContainer[] => [...(spec.initContainers ?? []), ...spec.containers]

// --- Quantities, for the quota arithmetic: millicores and bytes as exact integers.

const SUFFIXES: Readonly<Record<string, number>> = {
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
}
function quantity(value: string | number | undefined, unit: 'cpu' | 'memory'): number {
  if (value === undefined) return 0
  const match = /^([0-9.]+)(m|k|M|G|Ki|Mi|Gi)?$/.exec(String(value))
  const factor = SUFFIXES[match?.[2] ?? '']
  if (match === null || factor === undefined) throw new Error(`cannot read the quantity ${value}`)
  return Math.round(Number(match[1]) * factor * (unit === 'cpu' ? 1000 : 1))
}

type Budget = Record<'requests.cpu' | 'requests.memory' | 'limits.cpu' | 'limits.memory', number>
const QUOTA_KEYS = ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'] as const

/** What one pod charges the quota: the larger of its containers' sum and its largest init container. */
function podCharge(spec: IPodSpec | ICluster['spec']): Budget {
  const of = (
    containers: readonly { readonly resources?: IContainer['resources'] }[],
    key: (typeof QUOTA_KEYS)[number],
  ) => {
    const [kind, unit] = key.split('.') as ['requests' | 'limits', 'cpu' | 'memory']
    return containers.map((container) => quantity(container.resources?.[kind]?.[unit], unit))
  }
  const containers = spec !== undefined && 'containers' in spec ? spec.containers : [{ resources: spec?.resources }]
  const inits = spec !== undefined && 'containers' in spec ? (spec.initContainers ?? []) : []
  const charge = (key: (typeof QUOTA_KEYS)[number]) =>
    Math.max(
      of(containers, key).reduce((sum, value) => sum + value, 0),
      ...of(inits, key),
    )
  return Object.fromEntries(QUOTA_KEYS.map((key) => [key, charge(key)])) as Budget
}

const ACCEPTED_ENV = new Set<string>([
  ...ENV_NAMES,
  ...SECRET_NAMES.map((name) => `${name}_FILE`),
  'EVENTCORE_BACKUP_DIR',
])
const accepted = (name: string) => ACCEPTED_ENV.has(name) || name.startsWith('OTEL_')

// ---

describe.skipIf(availability.skip)('deploy/k8s rendered with Kustomize', () => {
  beforeAll(async () => {
    const renderer = availability.requireRenderer()
    for (const name of NAMES) rendered.set(name, await kustomize(renderer, join(K8S_DIR, RENDERINGS[name])))
  })

  describe.each(NAMES)('%s', (rendering) => {
    const objects = () => objectsOf(rendering)

    it('renders the objects of the kit, in namespace eventcore', () => {
      const names = objects().map(objectName)
      for (const expected of [
        'Namespace/eventcore',
        'ServiceAccount/eventcore-app',
        'Deployment/eventcore-app',
        'Service/eventcore-app',
        'PodDisruptionBudget/eventcore-app',
        'HorizontalPodAutoscaler/eventcore-app',
        'LimitRange/eventcore-limits',
        'ResourceQuota/eventcore-quota',
        'NetworkPolicy/default-deny',
        'NetworkPolicy/eventcore-app',
        'NetworkPolicy/eventcore-jobs',
        'ServiceMonitor/eventcore-app',
        'PrometheusRule/eventcore-rules',
        'Job/eventcore-migrate',
        'CronJob/eventcore-backup',
        'PersistentVolumeClaim/eventcore-backups',
      ]) {
        expect(names).toContain(expected)
      }
      expect(new Set(names).size).toBe(names.length)
      for (const object of objects().filter((candidate) => candidate.kind !== 'Namespace')) {
        expect(object.metadata.namespace, objectName(object)).toBe('eventcore')
      }
    })

    it('validates every object against the schema of its apiVersion and kind', () => {
      expect(schemaProblems(objects())).toEqual([])
    })

    it('passes every check of the manifest policy (eventcore-cli validate manifests)', () => {
      const results = checkManifests(objects())
      expect(results.map((result) => result.name)).toEqual(Object.values(MANIFEST_CHECKS))
      expect(results.filter((result) => result.status === 'fail')).toEqual([])
    })

    it('runs three replicas, one at a time out and one extra during a rollout, two kept through disruptions', () => {
      const spec = deployment(objects()).spec
      expect(spec?.replicas).toBe(3)
      expect(spec?.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } })
      expect(spec?.selector.matchLabels).toEqual(POD_LABELS)
      expect(deployment(objects()).spec?.template.metadata?.labels).toMatchObject(POD_LABELS)
      const pdb = one<IPodDisruptionBudget>(objects(), 'PodDisruptionBudget', 'eventcore-app')
      expect(pdb.spec?.minAvailable).toBe(2)
      expect(pdb.spec?.selector?.matchLabels).toEqual(POD_LABELS)
      const hpa = one<IHorizontalPodAutoscaler>(objects(), 'HorizontalPodAutoscaler', 'eventcore-app')
      expect(hpa.spec?.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'eventcore-app' })
      // Never fewer replicas than the budget needs to let a drain evict one.
      expect(hpa.spec?.minReplicas).toBe(3)
      expect(hpa.spec?.maxReplicas).toBeGreaterThanOrEqual(hpa.spec?.minReplicas ?? Number.POSITIVE_INFINITY)
      expect(hpa.spec?.metrics).toEqual([
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      ])
    })

    it("probes as the checklist gives them, on the container's http port, with a startup probe before them", () => {
      const app = appContainer(objects())
      expect(app.readinessProbe).toEqual(CHECKLIST.readinessProbe)
      expect(app.livenessProbe).toEqual(CHECKLIST.livenessProbe)
      expect(app.startupProbe?.httpGet).toEqual({ path: '/health', port: 'http' })
      expect(app.ports).toEqual([
        { name: 'http', containerPort: 8080, protocol: 'TCP' },
        { name: 'metrics', containerPort: 9464, protocol: 'TCP' },
      ])
    })

    it("listens where the container's ports say: EVENTCORE_PORT and EVENTCORE_METRICS_PORT of the ConfigMap", () => {
      const config = configMap(objects())
      const ports = new Map(appContainer(objects()).ports?.map((port) => [port.name, port.containerPort]))
      expect(Number(config.EVENTCORE_PORT)).toBe(ports.get('http'))
      expect(Number(config.EVENTCORE_METRICS_PORT)).toBe(ports.get('metrics'))
      expect(config.EVENTCORE_HOST).toBe('0.0.0.0')
    })

    it("stops within the grace period: it exceeds the ConfigMap's drain plus shutdown timeout", () => {
      const config = configMap(objects())
      const drainMs = Number(config.EVENTCORE_SHUTDOWN_DRAIN_MS)
      const shutdownMs = Number(config.EVENTCORE_SHUTDOWN_TIMEOUT_MS)
      expect(drainMs).toBe(5000)
      expect(shutdownMs).toBe(15_000)
      expect((podSpec(objects()).terminationGracePeriodSeconds ?? 30) * 1000).toBeGreaterThan(drainMs + shutdownMs)
      expect(config.EVENTCORE_DATABASE_MIGRATE).toBe('false')
      expect(config.NODE_ENV).toBe('production')
    })

    it('has the LimitRange and ResourceQuota of the checklist, exactly', () => {
      const limits = one<ILimitRange>(objects(), 'LimitRange', 'eventcore-limits')
      expect(limits.spec?.limits).toEqual([CHECKLIST.limitRange])
      const quota = one<IResourceQuota>(objects(), 'ResourceQuota', 'eventcore-quota')
      expect(quota.spec?.hard).toEqual(CHECKLIST.resourceQuota)
    })

    it('fits the quota at its worst: the HPA at its maximum plus the surge pod, both Jobs, the database cluster', () => {
      const hard = CHECKLIST.resourceQuota
      const hpa = one<IHorizontalPodAutoscaler>(objects(), 'HorizontalPodAutoscaler', 'eventcore-app')
      const appPods = (hpa.spec?.maxReplicas ?? 0) + 1
      const charges: Budget[] = [
        ...Array.from({ length: appPods }, () => podCharge(podSpec(objects()))),
        ...podSpecs(objects())
          .filter(({ workload }) => workload !== 'Deployment/eventcore-app')
          .map(({ spec }) => podCharge(spec)),
        ...ofKind<ICluster>(objects(), 'Cluster').flatMap((cluster) =>
          Array.from({ length: cluster.spec?.instances ?? 1 }, () => podCharge(cluster.spec)),
        ),
      ]
      for (const key of QUOTA_KEYS) {
        const total = charges.reduce((sum, charge) => sum + charge[key], 0)
        const unit = key.endsWith('cpu') ? 'cpu' : 'memory'
        expect(total, `${key} of ${charges.length} pods`).toBeLessThanOrEqual(quantity(hard[key], unit))
      }
      const claims =
        ofKind(objects(), 'PersistentVolumeClaim').length +
        ofKind<ICluster>(objects(), 'Cluster').reduce((sum, cluster) => sum + (cluster.spec?.instances ?? 1), 0)
      expect(claims).toBeLessThanOrEqual(Number(hard.persistentvolumeclaims))
    })

    it('gives every container limits within the LimitRange, and the restricted security context', () => {
      const max = CHECKLIST.limitRange.max
      for (const { workload, spec } of podSpecs(objects())) {
        expect(spec.automountServiceAccountToken, workload).toBe(false)
        expect(spec.securityContext, workload).toMatchObject({
          runAsNonRoot: true,
          runAsUser: 1000,
          seccompProfile: { type: 'RuntimeDefault' },
        })
        for (const container of containersOf(spec)) {
          const where = `${workload} ${container.name}`
          expect(container.securityContext, where).toEqual({
            runAsNonRoot: true,
            runAsUser: 1000,
            runAsGroup: 1000,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ['ALL'] },
            seccompProfile: { type: 'RuntimeDefault' },
          })
          const { requests, limits } = container.resources ?? {}
          for (const unit of ['cpu', 'memory'] as const) {
            expect(quantity(requests?.[unit], unit), `${where} requests.${unit}`).toBeGreaterThan(0)
            expect(quantity(limits?.[unit], unit), `${where} limits.${unit}`).toBeGreaterThanOrEqual(
              quantity(requests?.[unit], unit),
            )
            expect(quantity(limits?.[unit], unit), `${where} limits.${unit}`).toBeLessThanOrEqual(
              quantity(max[unit], unit),
            )
          }
          // A read-only root: /tmp is a volume in every pod.
          expect(
            container.volumeMounts?.map((mount) => mount.mountPath),
            where,
          ).toContain('/tmp')
        }
      }
    })

    it('runs the versioned image everywhere, never latest', () => {
      for (const { workload, spec } of podSpecs(objects())) {
        for (const container of containersOf(spec)) {
          expect(container.image, `${workload} ${container.name}`).toMatch(
            /^ghcr\.io\/eventcore\/users-service:\d+\.\d+\.\d+(-[\w.]+)?(@sha256:[0-9a-f]{64})?$/,
          )
          expect(container.image).not.toMatch(/:latest\b/)
        }
      }
    })

    it('holds no Secret: secrets are files of secrets created apart, passed as <NAME>_FILE', () => {
      expect(ofKind(objects(), 'Secret')).toEqual([])
      const app = appContainer(objects())
      expect(app.env).toEqual(
        expect.arrayContaining([
          { name: 'EVENTCORE_DATABASE_URL_FILE', value: '/var/run/secrets/eventcore/database-url' },
          { name: 'EVENTCORE_JWT_SECRET_FILE', value: '/var/run/secrets/eventcore/jwt-secret' },
          { name: 'EVENTCORE_REDIS_URL_FILE', value: '/var/run/secrets/eventcore/redis-url' },
        ]),
      )
      expect(app.volumeMounts).toContainEqual({
        name: 'secrets',
        mountPath: '/var/run/secrets/eventcore',
        readOnly: true,
      })
      expect(podSpec(objects()).volumes?.find((volume) => volume.name === 'secrets')?.secret?.secretName).toBe(
        'eventcore-secrets',
      )
      // No value of a secret in a variable, a ConfigMap or a literal.
      for (const { workload, spec } of podSpecs(objects())) {
        for (const container of containersOf(spec)) {
          for (const variable of container.env ?? []) {
            expect(variable.valueFrom?.secretKeyRef, `${workload} ${variable.name}`).toBeUndefined()
            expect(SECRET_NAMES as readonly string[], `${workload} sets ${variable.name}`).not.toContain(variable.name)
          }
        }
      }
      expect(
        Object.keys(configMap(objects())).filter((key) => (SECRET_NAMES as readonly string[]).includes(key)),
      ).toEqual([])
    })

    it('sets only variables the service (or the CLI) accepts', () => {
      const names = [
        ...Object.keys(configMap(objects())),
        ...podSpecs(objects()).flatMap(({ spec }) =>
          containersOf(spec).flatMap((container) => (container.env ?? []).map((variable) => variable.name)),
        ),
      ]
      expect(names.filter((name) => !accepted(name))).toEqual([])
    })

    it('gives the pods emptyDir volumes for /tmp and /data, the secrets at /var/run/secrets/eventcore', () => {
      const volumes = new Map(podSpec(objects()).volumes?.map((volume) => [volume.name, volume]))
      const mounts = new Map(appContainer(objects()).volumeMounts?.map((mount) => [mount.mountPath, mount.name]))
      expect(volumes.get(mounts.get('/tmp') ?? '')?.emptyDir).toBeDefined()
      expect(volumes.get(mounts.get('/data') ?? '')?.emptyDir).toBeDefined()
      expect(volumes.get(mounts.get('/var/run/secrets/eventcore') ?? '')?.secret?.secretName).toBe('eventcore-secrets')
    })

    it('spreads the replicas across zones and nodes', () => {
      const constraints = podSpec(objects()).topologySpreadConstraints ?? []
      expect(constraints.map((constraint) => constraint.topologyKey).sort()).toEqual([
        'kubernetes.io/hostname',
        'topology.kubernetes.io/zone',
      ])
      for (const constraint of constraints) {
        expect(constraint.maxSkew).toBe(1)
        expect(constraint.labelSelector?.matchLabels).toEqual(POD_LABELS)
      }
    })

    it('serves http on 80 and metrics on 9464 to the named container ports; the ServiceMonitor scrapes one that exists', () => {
      const service = one<IService>(objects(), 'Service', 'eventcore-app')
      expect(service.spec?.selector).toEqual(POD_LABELS)
      expect(service.spec?.ports).toEqual([
        { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
        { name: 'metrics', port: 9464, targetPort: 'metrics', protocol: 'TCP' },
      ])
      const containerPorts = appContainer(objects()).ports?.map((port) => port.name)
      for (const port of service.spec?.ports ?? []) expect(containerPorts).toContain(port.targetPort)

      const monitor = one<IServiceMonitor>(objects(), 'ServiceMonitor', 'eventcore-app')
      expect(monitor.spec.endpoints).toEqual([expect.objectContaining({ port: 'metrics', path: '/metrics' })])
      expect(service.spec?.ports?.map((port) => port.name)).toContain(monitor.spec.endpoints?.[0]?.port)
      expect(service.metadata?.labels).toMatchObject(monitor.spec.selector.matchLabels ?? { missing: 'selector' })
      // The job label every rule of deploy/prometheus/ selects (job="eventcore").
      expect(service.metadata?.labels?.[monitor.spec.jobLabel ?? '']).toBe('eventcore')
    })

    it('loads exactly the groups of deploy/prometheus/*.rules.yml as its PrometheusRule', () => {
      const rule = one<IPrometheusRule>(objects(), 'PrometheusRule', 'eventcore-rules')
      const groups = ruleFiles().flatMap((file) => (parse(readFileSync(file, 'utf8')) as { groups: unknown[] }).groups)
      expect(groups.length).toBeGreaterThan(0)
      expect(rule.spec?.groups).toEqual(groups)
    })

    it("sets the memory limit so that EventCoreMemoryHigh fires at about 80 % of it, before the pod's OOM kill", () => {
      const rule = one<IPrometheusRule>(objects(), 'PrometheusRule', 'eventcore-rules')
      const alert = rule.spec?.groups
        ?.flatMap((group) => group.rules ?? [])
        .find((candidate) => candidate.alert === 'EventCoreMemoryHigh')
      // `… process_resident_memory_bytes … > 1.5 * 1024 * 1024 * 1024`
      const product = /process_resident_memory_bytes.*>\s*([\d.]+(?:\s*\*\s*[\d.]+)*)\s*$/.exec(
        String(alert?.expr),
      )?.[1]
      expect(product, String(alert?.expr)).toBeDefined()
      const threshold = (product ?? '').split('*').reduce((value, factor) => value * Number(factor), 1)
      const limit = quantity(appContainer(objects()).resources?.limits?.memory, 'memory')
      expect(threshold / limit).toBeGreaterThanOrEqual(0.7)
      expect(threshold / limit).toBeLessThanOrEqual(0.9)
    })

    it('denies all traffic by default; lets in only the ingress controller and Prometheus, out only the database, Redis and DNS', () => {
      const policies = ofKind<INetworkPolicy>(objects(), 'NetworkPolicy')
      const policy = (name: string) => {
        const found = policies.find((candidate) => candidate.metadata?.name === name)
        if (found === undefined) throw new Error(`NetworkPolicy/${name} is missing`)
        return found
      }
      expect(policy('default-deny').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] })

      const app = policy('eventcore-app').spec
      expect(app?.podSelector.matchLabels).toEqual(POD_LABELS)
      expect(app?.policyTypes).toEqual(['Ingress', 'Egress'])
      const namespace = (name: string) => ({
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } },
      })
      expect(app?.ingress).toEqual([
        { from: [namespace('ingress-nginx')], ports: [{ port: 'http', protocol: 'TCP' }] },
        { from: [namespace('monitoring')], ports: [{ port: 'metrics', protocol: 'TCP' }] },
      ])
      const dns = {
        to: [namespace('kube-system')],
        ports: [
          { port: 53, protocol: 'UDP' },
          { port: 53, protocol: 'TCP' },
        ],
      }
      const portsOf = (rules: readonly INetworkPolicyEgressRule[] | undefined) =>
        (rules ?? []).map((rule) => rule.ports)
      expect(portsOf(app?.egress)).toEqual([
        [{ port: 5432, protocol: 'TCP' }],
        [{ port: 6379, protocol: 'TCP' }],
        dns.ports,
      ])
      expect(app?.egress?.[2]).toEqual(dns)

      const jobs = policy('eventcore-jobs').spec
      expect(jobs?.policyTypes).toEqual(['Ingress', 'Egress'])
      expect(jobs?.ingress).toBeUndefined()
      expect(portsOf(jobs?.egress)).toEqual([[{ port: 5432, protocol: 'TCP' }], dns.ports])
      expect(jobs?.egress?.[1]).toEqual(dns)
      // The Jobs' pods are the ones it selects, the service's are not.
      const selected = (labels: Readonly<Record<string, string>> | undefined) =>
        (jobs?.podSelector.matchExpressions ?? []).every(
          (expression) => expression.operator === 'In' && expression.values?.includes(labels?.[expression.key] ?? ''),
        )
      expect(selected(one<IJob>(objects(), 'Job', 'eventcore-migrate').spec?.template.metadata?.labels)).toBe(true)
      expect(
        selected(
          one<ICronJob>(objects(), 'CronJob', 'eventcore-backup').spec?.jobTemplate.spec?.template.metadata?.labels,
        ),
      ).toBe(true)
      expect(selected(deployment(objects()).spec?.template.metadata?.labels)).toBe(false)

      // Never the internet: the private ranges, or the database cluster's pods when it is here.
      const privateRanges = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((cidr) => ({ ipBlock: { cidr } }))
      const database = rendering === 'production + cloudnative-pg'
      const postgresTo = database
        ? [{ podSelector: { matchLabels: { 'cnpg.io/cluster': 'eventcore-db' } } }]
        : privateRanges
      expect(app?.egress?.[0]?.to).toEqual(postgresTo)
      expect(app?.egress?.[1]?.to).toEqual(privateRanges)
      expect(jobs?.egress?.[0]?.to).toEqual(postgresTo)
    })

    it("migrates with the service's migration step (EventCore's and its read model's) as the migrator role, from secret eventcore-migrator", () => {
      const job = one<IJob>(objects(), 'Job', 'eventcore-migrate')
      const spec = job.spec?.template.spec
      expect(spec?.restartPolicy).toBe('Never')
      expect(spec?.containers.map((container) => container.command)).toEqual([
        ['node', 'examples/users-service/dist/migrate.js'],
      ])
      const container = spec?.containers[0]
      const url = container?.env?.find((variable) => variable.name === 'EVENTCORE_DATABASE_URL_FILE')?.value ?? ''
      const mount = container?.volumeMounts?.find((candidate) => url.startsWith(`${candidate.mountPath}/`))
      const volume = spec?.volumes?.find((candidate) => candidate.name === mount?.name)
      expect(volume?.secret?.secretName).toBe('eventcore-migrator')
      expect(volume?.secret?.items).toEqual([
        { key: 'database-url', path: url.slice((mount?.mountPath.length ?? 0) + 1) },
      ])
    })

    it('backs up daily, one run at a time: backup create, then prune, then validate backup, in that order', () => {
      const cron = one<ICronJob>(objects(), 'CronJob', 'eventcore-backup')
      expect(cron.spec?.schedule).toMatch(/^\d+ \d+ \* \* \*$/)
      expect(cron.spec?.concurrencyPolicy).toBe('Forbid')
      const spec = cron.spec?.jobTemplate.spec?.template.spec
      expect(spec?.restartPolicy).toBe('Never')
      // Init containers run one after the other, each only when the one before succeeded.
      expect(containersOf(spec ?? { containers: [] }).map((container) => container.command)).toEqual([
        ['eventcore-cli', 'backup', 'create'],
        ['eventcore-cli', 'backup', 'prune', ...BACKUP_POLICY, '--yes'],
        ['eventcore-cli', 'validate', 'backup', '--max-age', '26h', ...BACKUP_POLICY],
      ])
      expect(spec?.volumes?.find((volume) => volume.name === 'backups')?.persistentVolumeClaim?.claimName).toBe(
        'eventcore-backups',
      )
      for (const container of containersOf(spec ?? { containers: [] })) {
        expect(container.volumeMounts).toContainEqual({ name: 'backups', mountPath: '/backups' })
        expect(container.env).toContainEqual({ name: 'EVENTCORE_BACKUP_DIR', value: '/backups' })
        expect(container.env).toContainEqual({
          name: 'EVENTCORE_DATABASE_URL_FILE',
          value: '/var/run/secrets/eventcore/database-url',
        })
      }
    })
  })

  it('changes configuration per overlay: staging logs debug with a smaller pool and HPA ceiling', () => {
    const base = configMap(objectsOf('base'))
    const staging = configMap(objectsOf('staging'))
    expect(staging).toEqual({ ...base, EVENTCORE_LOG_LEVEL: 'debug', EVENTCORE_DATABASE_POOL_SIZE: '5' })
    expect(configMap(objectsOf('production'))).toMatchObject({
      EVENTCORE_LOG_LEVEL: 'info',
      EVENTCORE_TRUST_PROXY: '1',
    })
    const ceiling = (rendering: Rendering) =>
      one<IHorizontalPodAutoscaler>(objectsOf(rendering), 'HorizontalPodAutoscaler', 'eventcore-app').spec?.maxReplicas
    expect(ceiling('staging')).toBeLessThan(ceiling('production') ?? 0)
  })

  describe('the cloudnative-pg component', () => {
    const objects = () => objectsOf('production + cloudnative-pg')
    const pgbackrest = () => {
      const conf = readFileSync(deployFile('pgbackrest', 'pgbackrest.conf'), 'utf8')
      const postgresql = readFileSync(deployFile('pgbackrest', 'postgresql.conf'), 'utf8')
      const setting = (text: string, section: string, key: string) => {
        const start = text.indexOf(`[${section}]`)
        const body = text.slice(start).split(/\n\[/)[0] ?? ''
        return new RegExp(`^${key}\\s*=\\s*(.+)$`, 'm').exec(body)?.[1]?.trim()
      }
      return {
        archiveTimeout: /^archive_timeout\s*=\s*(\S+)/m.exec(postgresql)?.[1],
        processMax: setting(conf, 'global', 'process-max'),
        archivePushProcessMax: setting(conf, 'global:archive-push', 'process-max'),
        startFast: setting(conf, 'global', 'start-fast'),
        retentionFull: setting(conf, 'global', 'repo1-retention-full'),
      }
    }

    it('runs eventcore-db: three instances, HA PostgreSQL, one volume each', () => {
      const cluster = one<ICluster>(objects(), 'Cluster', 'eventcore-db')
      expect(cluster.spec?.instances).toBe(3)
      expect(cluster.spec?.storage?.size).toBeDefined()
      expect(cluster.spec?.walStorage).toBeUndefined()
      expect(cluster.spec?.bootstrap?.initdb).toMatchObject({ database: 'eventcore', owner: 'eventcore_migrator' })
      expect(cluster.spec?.managed?.roles).toEqual([expect.objectContaining({ name: 'eventcore_app', login: true })])
    })

    it("archives WAL and takes base backups with deploy/pgbackrest/'s settings", () => {
      const cluster = one<ICluster>(objects(), 'Cluster', 'eventcore-db')
      const settings = pgbackrest()
      const store = cluster.spec?.backup?.barmanObjectStore
      expect(cluster.spec?.postgresql?.parameters?.archive_timeout).toBe(settings.archiveTimeout)
      expect(String(store?.wal?.maxParallel)).toBe(settings.archivePushProcessMax)
      expect(String(store?.data?.jobs)).toBe(settings.processMax)
      expect(store?.data?.immediateCheckpoint).toBe(settings.startFast === 'y')
      expect(store?.wal?.encryption).toBe('AES256')
      expect(store?.data?.encryption).toBe('AES256')
      // Weekly fulls, the retention-full of them: the window pgBackRest keeps at its longest.
      expect(cluster.spec?.backup?.retentionPolicy).toBe(`${Number(settings.retentionFull) * 7}d`)
      const scheduled = one<IScheduledBackup>(objects(), 'ScheduledBackup', 'eventcore-db-weekly')
      expect(scheduled.spec.cluster.name).toBe('eventcore-db')
      // pgbackrest.cron's full backup: Sundays at 01:30 (CloudNativePG's schedule has seconds first).
      expect(readFileSync(deployFile('pgbackrest', 'pgbackrest.cron'), 'utf8')).toMatch(/^30 1 \* \* 0 .*--type=full/m)
      expect(scheduled.spec.schedule).toBe('0 30 1 * * 0')
    })

    it('takes every connection the service and the Jobs can open at their worst', () => {
      const rendered = objects()
      const cluster = one<ICluster>(rendered, 'Cluster', 'eventcore-db')
      const hpa = one<IHorizontalPodAutoscaler>(rendered, 'HorizontalPodAutoscaler', 'eventcore-app')
      const pool = Number(containerEnv(rendered, 'Deployment/eventcore-app', 'app').EVENTCORE_DATABASE_POOL_SIZE)
      // Per process: its pool, one LISTEN connection, one per projection lease (the users service has one).
      const perProcess = pool + 1 + 1
      const processes = (hpa.spec?.maxReplicas ?? 0) + 1 + 2 // the surge pod; the migration and backup Jobs
      // superuser_reserved_connections (3), the operator, two standbys streaming, the exporter: 10 in all.
      const reserved = 10
      const maxConnections = Number(cluster.spec?.postgresql?.parameters?.max_connections)
      expect(pool).toBeGreaterThan(0)
      expect(processes * perProcess + reserved).toBeLessThanOrEqual(maxConnections)
    })

    it("has the service and the Jobs verify the database's certificate with the cluster's CA", () => {
      for (const { workload, spec } of podSpecs(objects())) {
        for (const container of containersOf(spec)) {
          expect(container.env, `${workload} ${container.name}`).toContainEqual({
            name: 'EVENTCORE_DATABASE_SSL_CA_FILE',
            value: '/var/run/secrets/eventcore-db-ca/ca.crt',
          })
          expect(container.volumeMounts).toContainEqual({
            name: 'db-ca',
            mountPath: '/var/run/secrets/eventcore-db-ca',
            readOnly: true,
          })
        }
        expect(spec.volumes?.find((volume) => volume.name === 'db-ca')?.secret?.secretName).toBe('eventcore-db-ca')
      }
    })

    it("opens the database's pods to the service and Jobs on 5432, to the operator and Prometheus on theirs", () => {
      const policy = one<INetworkPolicy>(objects(), 'NetworkPolicy', 'eventcore-db')
      expect(policy.spec?.podSelector.matchLabels).toEqual({ 'cnpg.io/cluster': 'eventcore-db' })
      expect(policy.spec?.ingress?.map((rule) => rule.ports?.map((port) => port.port))).toEqual([
        [5432],
        [8000],
        [9187],
      ])
      expect(policy.spec?.ingress?.[0]?.from).toContainEqual({
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'eventcore' } },
      })
    })
  })

  describe('deploy/k8s/secret.template.yaml', () => {
    const template = () =>
      parseAllDocuments(readFileSync(join(K8S_DIR, 'secret.template.yaml'), 'utf8')).map(
        (document) => document.toJS() as { metadata: { name: string }; stringData: Record<string, string> },
      )
    const kustomizations = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const path = join(dir, name)
        if (statSync(path).isDirectory()) return kustomizations(path)
        return name === 'kustomization.yaml' ? [path] : []
      })

    it('is in no kustomization', () => {
      const files = kustomizations(K8S_DIR)
      expect(files.map((file) => relative(K8S_DIR, file)).sort()).toEqual([
        'base/kustomization.yaml',
        'components/cloudnative-pg/kustomization.yaml',
        'overlays/production-cnpg/kustomization.yaml',
        'overlays/production/kustomization.yaml',
        'overlays/staging/kustomization.yaml',
      ])
      // Every string of every kustomization (resources, components, patch paths…), comments aside.
      const strings = (value: unknown): string[] =>
        typeof value === 'string'
          ? [value]
          : typeof value === 'object' && value !== null
            ? Object.values(value).flatMap(strings)
            : []
      for (const file of files) {
        const referenced = strings(parse(readFileSync(file, 'utf8')))
        expect(referenced.length, file).toBeGreaterThan(2)
        expect(
          referenced.filter((value) => value.includes('secret.template')),
          file,
        ).toEqual([])
      }
    })

    it('holds placeholders only, for the very keys the pods mount', () => {
      const secrets = template()
      for (const secret of secrets) {
        for (const [key, value] of Object.entries(secret.stringData)) expect(value, key).toMatch(/<[^>]+>/)
      }
      const keys = (name: string) =>
        Object.keys(secrets.find((secret) => secret.metadata.name === name)?.stringData ?? {})
      const mounted = (name: string) =>
        [
          ...new Set(
            podSpecs(objectsOf('production')).flatMap(({ spec }) =>
              (spec.volumes ?? [])
                .filter((volume) => volume.secret?.secretName === name)
                .flatMap((volume) => (volume.secret?.items ?? []).map((item) => item.key)),
            ),
          ),
        ].sort()
      expect(keys('eventcore-secrets').sort()).toEqual(mounted('eventcore-secrets'))
      expect(keys('eventcore-migrator')).toEqual(mounted('eventcore-migrator'))
    })
  })
})
