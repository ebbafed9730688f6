// The manifest policy, rule by rule: a rendering that passes every check, and for each rule an edit
// of it that makes that check fail (or warn) naming the offender, the other checks unchanged
// unless the edit cannot help moving them (said per case).
import { describe, expect, it } from 'vitest'
import type { CheckStatus } from '../checks.js'
import { parseManifests } from './kube-object.js'
import { checkManifests, MANIFEST_CHECKS } from './policy.js'
import { edited, PASSING, plus, without } from './test-manifests.js'

const checked = (yaml: string) => checkManifests(parseManifests(yaml, 'test.yaml'))
const statuses = (yaml: string): Record<string, CheckStatus> =>
  Object.fromEntries(checked(yaml).map((check) => [check.name, check.status]))

const N = MANIFEST_CHECKS
const APP = 'Deployment/eventcore-app container app'
const BACKUP = 'CronJob/eventcore-backup container backup'

interface Case {
  readonly rule: string
  readonly check: string
  readonly status: 'fail' | 'warn'
  readonly yaml: string
  readonly offender: RegExp
  /** Other checks the edit moves, by necessity, and where to. */
  readonly also?: Readonly<Record<string, CheckStatus>>
}

const CASES: readonly Case[] = [
  {
    rule: 'one replica and no autoscaler',
    check: N.replicas,
    status: 'fail',
    yaml: edited(without(PASSING, 'HorizontalPodAutoscaler'), ['replicas: 3', 'replicas: 1']),
    offender: /Deployment\/eventcore-app: 1 replica and no autoscaler/,
    also: { [N.disruptionBudget]: 'skip', [N.autoscaler]: 'warn' },
  },
  {
    rule: 'a budget that lets no pod go',
    check: N.disruptionBudget,
    status: 'fail',
    yaml: edited(PASSING, ['minAvailable: 2', 'minAvailable: 100%']),
    offender:
      /Deployment\/eventcore-app \(3 replicas\): PodDisruptionBudget\/eventcore-app minAvailable 100% of 3 lets no pod go/,
  },
  {
    rule: 'a budget selecting other pods',
    check: N.disruptionBudget,
    status: 'fail',
    yaml: edited(PASSING, [
      'minAvailable: 2\n  selector: { matchLabels: { app.kubernetes.io/name: eventcore, app.kubernetes.io/component: api } }',
      'minAvailable: 2\n  selector: { matchLabels: { app.kubernetes.io/component: worker } }',
    ]),
    offender: /Deployment\/eventcore-app \(3 replicas\): no PodDisruptionBudget in eventcore selects its pods/,
  },
  {
    rule: 'two budgets over the same pods',
    check: N.disruptionBudget,
    status: 'fail',
    yaml: plus(
      PASSING,
      'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: { name: extra, namespace: eventcore }\nspec: { maxUnavailable: 1, selector: { matchLabels: { app.kubernetes.io/component: api } } }',
    ),
    offender: /PodDisruptionBudget\/eventcore-app, PodDisruptionBudget\/extra all select its pods/,
  },
  {
    rule: 'two pods down at a time',
    check: N.rollingUpdate,
    status: 'fail',
    yaml: edited(PASSING, ['maxUnavailable: 25%', 'maxUnavailable: 2']),
    offender: /Deployment\/eventcore-app: maxUnavailable 2, maxSurge 1 of 3 replicas: more than one pod down/,
  },
  {
    rule: 'no surge',
    check: N.rollingUpdate,
    status: 'fail',
    yaml: edited(PASSING, ['maxSurge: 1', 'maxSurge: 0']),
    // Both resolve to 0, so Kubernetes lets one pod down: still no new pod first.
    offender: /maxUnavailable 1, maxSurge 0 of 3 replicas: no new pod starts before an old one stops/,
  },
  {
    rule: 'the Recreate strategy',
    check: N.rollingUpdate,
    status: 'fail',
    yaml: edited(PASSING, [
      '{ type: RollingUpdate, rollingUpdate: { maxUnavailable: 25%, maxSurge: 1 } }',
      '{ type: Recreate }',
    ]),
    offender: /Deployment\/eventcore-app: strategy Recreate/,
  },
  {
    rule: 'readiness on a path the service does not serve',
    check: N.probes,
    status: 'fail',
    yaml: edited(PASSING, ['path: /ready', 'path: /healthz']),
    offender: new RegExp(`${APP}: readiness probe path /healthz, not /ready`),
  },
  {
    rule: 'liveness on the metrics port',
    check: N.probes,
    status: 'fail',
    yaml: edited(PASSING, [
      'path: /health, port: http }, periodSeconds: 30',
      'path: /health, port: metrics }, periodSeconds: 30',
    ]),
    offender: new RegExp(`${APP}: liveness probe on port 9464, not http \\(8080\\)`),
  },
  {
    rule: 'a probe port no container declares',
    check: N.probes,
    status: 'fail',
    yaml: edited(PASSING, [
      'path: /health, port: http }, periodSeconds: 2',
      'path: /health, port: 8081 }, periodSeconds: 2',
    ]),
    offender: new RegExp(`${APP}: startup probe port 8081 is no declared containerPort`),
  },
  {
    rule: 'no startup probe',
    check: N.probes,
    status: 'fail',
    yaml: edited(PASSING, ['startupProbe: {', 'x-startupProbe: {']),
    offender: new RegExp(`${APP}: no startup probe`),
  },
  {
    rule: 'liveness quicker than readiness',
    check: N.probes,
    status: 'warn',
    yaml: edited(PASSING, ['periodSeconds: 30, failureThreshold: 3', 'periodSeconds: 2, failureThreshold: 3']),
    offender: new RegExp(`${APP}: liveness gives up after 6 s, readiness after 15 s: liveness is more aggressive`),
  },
  {
    rule: 'EVENTCORE_PORT apart from the http port',
    check: N.ports,
    status: 'fail',
    yaml: edited(PASSING, ['EVENTCORE_PORT: "8080"', 'EVENTCORE_PORT: "3000"']),
    offender: new RegExp(`${APP}: port http 8080, but EVENTCORE_PORT is 3000`),
  },
  {
    rule: 'EVENTCORE_METRICS_PORT with no such container port',
    check: N.ports,
    status: 'fail',
    yaml: edited(PASSING, ['EVENTCORE_METRICS_PORT: "9464"', 'EVENTCORE_METRICS_PORT: "9465"']),
    offender: new RegExp(`${APP}: EVENTCORE_METRICS_PORT is 9465, but no container port has that number`),
  },
  {
    rule: 'a Service targetPort no container declares',
    check: N.ports,
    status: 'fail',
    yaml: edited(PASSING, ['targetPort: metrics', 'targetPort: prometheus']),
    offender: /Service\/eventcore-app: metrics → prometheus: no such container port in Deployment\/eventcore-app/,
  },
  {
    rule: 'a Service selecting nothing',
    check: N.ports,
    status: 'fail',
    yaml: edited(PASSING, [
      'selector: { app.kubernetes.io/name: eventcore, app.kubernetes.io/component: api }\n  ports',
      'selector: { app.kubernetes.io/name: eventcore-api }\n  ports',
    ]),
    offender: /Service\/eventcore-app: its selector matches no pod template/,
  },
  {
    rule: 'no memory limit',
    check: N.resources,
    status: 'fail',
    yaml: edited(PASSING, ['limits: { cpu: 500m, memory: 256Mi }', 'limits: { cpu: 500m }']),
    offender: new RegExp(`${BACKUP}: no memory limit`),
  },
  {
    rule: 'a request above its limit',
    check: N.resources,
    status: 'fail',
    yaml: edited(PASSING, ['requests: { cpu: 250m, memory: 256Mi }', 'requests: { cpu: 1500m, memory: 256Mi }']),
    offender: new RegExp(`${APP}: cpu request 1500m above its limit 1`),
  },
  {
    rule: "a limit above the LimitRange's max",
    check: N.resources,
    status: 'fail',
    yaml: edited(PASSING, ['limits: { cpu: "1", memory: 512Mi }', 'limits: { cpu: "1", memory: 3Gi }']),
    offender: new RegExp(`${APP}: memory limit 3Gi above the max 2Gi of LimitRange/eventcore-limits`),
  },
  {
    rule: 'latest',
    check: N.imageTags,
    status: 'fail',
    yaml: edited(PASSING, ['users-service:0.1.0', 'users-service:latest']),
    offender: new RegExp(`${APP}: ghcr.io/eventcore/users-service:latest is latest`),
  },
  {
    rule: 'no tag',
    check: N.imageTags,
    status: 'fail',
    yaml: edited(PASSING, ['users-service:0.1.0', 'users-service']),
    offender: new RegExp(`${APP}: ghcr.io/eventcore/users-service has no tag`),
  },
  {
    rule: 'privilege escalation allowed',
    check: N.securityContext,
    status: 'fail',
    yaml: edited(
      PASSING,
      [
        'image: ghcr.io/eventcore/users-service:0.1.0',
        'image: ghcr.io/eventcore/users-service:0.1.0\n          securityContext: { allowPrivilegeEscalation: true, readOnlyRootFilesystem: true, capabilities: { drop: [ALL] } }',
      ],
      [
        '          securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: [ALL] } }\n          volumeMounts',
        '          volumeMounts',
      ],
    ),
    offender: new RegExp(`${APP}: allowPrivilegeEscalation not false`),
  },
  {
    rule: 'root allowed, no seccomp profile',
    check: N.securityContext,
    status: 'fail',
    yaml: edited(PASSING, [
      'securityContext: { runAsNonRoot: true, seccompProfile: { type: RuntimeDefault } }',
      'securityContext: { runAsUser: 0 }',
    ]),
    offender: new RegExp(`${BACKUP}: runAsNonRoot not true, runAsUser 0 \\(root\\), .*seccompProfile unset`),
  },
  {
    rule: 'a secret as a literal value',
    check: N.secrets,
    status: 'fail',
    yaml: edited(PASSING, [
      '- { name: EVENTCORE_JWT_SECRET_FILE',
      '- { name: EVENTCORE_JWT_SECRET, value: hunter2 }\n            - { name: EVENTCORE_JWT_SECRET_FILE',
    ]),
    offender: new RegExp(`${APP}: EVENTCORE_JWT_SECRET set to a literal value`),
  },
  {
    rule: 'a secret in a ConfigMap',
    check: N.secrets,
    status: 'fail',
    yaml: edited(PASSING, [
      '  EVENTCORE_LOG_LEVEL: info',
      '  EVENTCORE_LOG_LEVEL: info\n  EVENTCORE_REDIS_URL: redis://:pw@redis:6379',
    ]),
    offender: /ConfigMap\/eventcore-config-7h2k9m: EVENTCORE_REDIS_URL in a ConfigMap/,
  },
  {
    rule: 'a Secret with data in the rendering',
    check: N.secrets,
    status: 'fail',
    yaml: plus(
      PASSING,
      'apiVersion: v1\nkind: Secret\nmetadata: { name: eventcore-secrets, namespace: eventcore }\nstringData: { jwt-secret: change-me }',
    ),
    offender: /Secret\/eventcore-secrets carries jwt-secret: secrets are created out of band/,
  },
  {
    rule: 'a variable the service does not read',
    check: N.environment,
    status: 'fail',
    yaml: edited(PASSING, ['  EVENTCORE_LOG_LEVEL: info', '  EVENTCORE_LOG_LEVEL: info\n  EVENTCORE_LOGLEVEL: debug']),
    offender: new RegExp(`${APP}: EVENTCORE_LOGLEVEL not read by the service`),
  },
  {
    rule: 'a ConfigMap missing from the rendering',
    check: N.environment,
    status: 'fail',
    yaml: edited(PASSING, [
      '[{ configMapRef: { name: eventcore-config-7h2k9m } }]',
      '[{ configMapRef: { name: eventcore-config } }]',
    ]),
    offender: new RegExp(`${APP}: ConfigMap/eventcore-config is not in the rendering`),
  },
  {
    rule: 'a grace period the shutdown does not fit in',
    check: N.terminationGrace,
    status: 'fail',
    yaml: edited(PASSING, ['terminationGracePeriodSeconds: 30', 'terminationGracePeriodSeconds: 20']),
    offender: new RegExp(
      `${APP}: terminationGracePeriodSeconds 20 vs EVENTCORE_SHUTDOWN_DRAIN_MS 5000 \\+ EVENTCORE_SHUTDOWN_TIMEOUT_MS 15000: killed`,
    ),
  },
  {
    rule: 'a quota without a memory limit',
    check: N.resourceQuota,
    status: 'fail',
    yaml: edited(PASSING, [', limits.memory: 16Gi }', ' }']),
    offender: /namespace eventcore: ResourceQuota\/eventcore-quota sets no hard limits.memory/,
  },
  {
    rule: 'no quota',
    check: N.resourceQuota,
    status: 'fail',
    yaml: without(PASSING, 'ResourceQuota'),
    offender: /namespace eventcore: no ResourceQuota/,
  },
  {
    rule: 'a LimitRange with no defaultRequest',
    check: N.limitRange,
    status: 'fail',
    yaml: edited(PASSING, ['      defaultRequest: { cpu: 250m, memory: 256Mi }\n', '']),
    offender: /namespace eventcore: LimitRange\/eventcore-limits gives containers no default and defaultRequest/,
  },
  {
    rule: 'egress not isolated',
    check: N.networkPolicy,
    status: 'fail',
    yaml: edited(PASSING, ['policyTypes: [Ingress, Egress]', 'policyTypes: [Ingress]']),
    offender:
      /Deployment\/eventcore-app: no NetworkPolicy restricts its egress; CronJob\/eventcore-backup: no NetworkPolicy restricts its egress/,
  },
  {
    rule: 'an ingress rule open to everyone',
    check: N.networkPolicy,
    status: 'fail',
    yaml: edited(PASSING, [
      '    - from: [{ namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: ingress-nginx } } }]\n',
      '    - ',
    ]),
    offender: /NetworkPolicy\/eventcore ingress rule 1 allows every source on http\/TCP/,
  },
  {
    rule: 'an egress rule open to everywhere beyond DNS',
    check: N.networkPolicy,
    status: 'fail',
    yaml: edited(PASSING, ['{ port: 53, protocol: TCP }]', '{ port: 53, protocol: TCP }, { port: 443 }]']),
    offender: /NetworkPolicy\/eventcore egress rule 2 allows every destination on 53\/UDP, 53\/TCP, 443\/TCP/,
  },
  {
    rule: 'no autoscaler',
    check: N.autoscaler,
    status: 'warn',
    yaml: without(PASSING, 'HorizontalPodAutoscaler'),
    offender: /Deployment\/eventcore-app: no HorizontalPodAutoscaler targets it/,
  },
  {
    rule: 'an autoscaler that may scale to one',
    check: N.autoscaler,
    status: 'fail',
    yaml: edited(PASSING, ['minReplicas: 3', 'minReplicas: 1']),
    offender: /Deployment\/eventcore-app: HorizontalPodAutoscaler\/eventcore-app 1–10 replicas: minReplicas below 2/,
  },
]

describe('the manifest policy', () => {
  it('passes the complete rendering on every check, in MANIFEST_CHECKS order', () => {
    const results = checked(PASSING)
    expect(results.map((check) => check.name)).toEqual(Object.values(MANIFEST_CHECKS))
    expect(results.filter((check) => check.status !== 'pass')).toEqual([])
    expect(results.find((check) => check.name === N.imageTags)?.detail).toMatch(/users-service:0\.1\.0 pinned by tag/)
    expect(results.find((check) => check.name === N.imageTags)?.detail).toMatch(
      /@sha256:0123456789ab… pinned by digest/,
    )
    expect(results.find((check) => check.name === N.environment)?.detail).toMatch(
      /expected out of band: Secret\/eventcore-secrets, Secret\/eventcore-migrator/,
    )
    expect(results.find((check) => check.name === N.networkPolicy)?.detail).toMatch(/53\/UDP, 53\/TCP \(DNS only\)/)
  })

  it('covers every check with a case', () => {
    expect(new Set(CASES.map((c) => c.check))).toEqual(new Set(Object.values(MANIFEST_CHECKS)))
  })

  it.each(CASES)('$check: $status on $rule', ({ check, status, yaml, offender, also = {} }) => {
    const results = checked(yaml)
    const result = results.find((r) => r.name === check)
    expect(result?.status).toBe(status)
    expect(result?.detail).toMatch(offender)
    const baseline = statuses(PASSING)
    const moved = Object.fromEntries(
      results.filter((r) => r.name !== check && r.status !== baseline[r.name]).map((r) => [r.name, r.status]),
    )
    expect(moved).toEqual(also)
  })

  it('skips what nothing in the rendering applies to', () => {
    const results = checked('apiVersion: v1\nkind: Namespace\nmetadata: { name: eventcore }\n')
    expect(results.every((check) => check.status === 'skip')).toBe(false)
    expect(Object.fromEntries(results.map((check) => [check.name, check.status]))).toMatchObject({
      [N.replicas]: 'skip',
      [N.probes]: 'skip',
      [N.resources]: 'skip',
      [N.networkPolicy]: 'skip',
      [N.autoscaler]: 'skip',
    })
    expect(results.find((check) => check.name === N.replicas)?.detail).toBe('no Deployment in the rendering')
  })

  it('takes the environment a caller accepts', () => {
    const strict = checkManifests(parseManifests(PASSING, 'test.yaml'), { acceptedEnv: (name) => name !== 'NODE_ENV' })
    expect(strict.find((check) => check.name === N.environment)?.detail).toMatch(
      `${APP}: NODE_ENV not read by the service`,
    )
  })
})
