// Test support (not built): a compact rendering that passes every manifest check (what the deploy
// kit's production overlay renders, cut to the fields the policy reads), and edits of it.

/** A rendering every check passes. */
export const PASSING = `apiVersion: v1
kind: Namespace
metadata: { name: eventcore }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: eventcore-config-7h2k9m, namespace: eventcore }
data:
  NODE_ENV: production
  EVENTCORE_PORT: "8080"
  EVENTCORE_HOST: 0.0.0.0
  EVENTCORE_METRICS_PORT: "9464"
  EVENTCORE_SHUTDOWN_DRAIN_MS: "5000"
  EVENTCORE_SHUTDOWN_TIMEOUT_MS: "15000"
  EVENTCORE_LOG_LEVEL: info
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: eventcore-app, namespace: eventcore }
spec:
  replicas: 3
  selector: { matchLabels: { app.kubernetes.io/name: eventcore, app.kubernetes.io/component: api } }
  strategy: { type: RollingUpdate, rollingUpdate: { maxUnavailable: 25%, maxSurge: 1 } }
  template:
    metadata: { labels: { app.kubernetes.io/name: eventcore, app.kubernetes.io/component: api } }
    spec:
      terminationGracePeriodSeconds: 30
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: RuntimeDefault } }
      containers:
        - name: app
          image: ghcr.io/eventcore/users-service:0.1.0
          ports: [{ name: http, containerPort: 8080 }, { name: metrics, containerPort: 9464 }]
          envFrom: [{ configMapRef: { name: eventcore-config-7h2k9m } }]
          env:
            - { name: EVENTCORE_DATABASE_URL_FILE, value: /var/run/secrets/eventcore/database-url }
            - { name: EVENTCORE_JWT_SECRET_FILE, value: /var/run/secrets/eventcore/jwt-secret }
          readinessProbe: { httpGet: { path: /ready, port: http }, periodSeconds: 5, failureThreshold: 3 }
          livenessProbe: { httpGet: { path: /health, port: http }, periodSeconds: 30, failureThreshold: 3 }
          startupProbe: { httpGet: { path: /health, port: http }, periodSeconds: 2, failureThreshold: 30 }
          resources: { requests: { cpu: 250m, memory: 256Mi }, limits: { cpu: "1", memory: 512Mi } }
          securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: [ALL] } }
          volumeMounts: [{ name: secrets, mountPath: /var/run/secrets/eventcore, readOnly: true }]
      volumes: [{ name: secrets, secret: { secretName: eventcore-secrets } }]
---
apiVersion: batch/v1
kind: CronJob
metadata: { name: eventcore-backup, namespace: eventcore }
spec:
  schedule: "17 3 * * *"
  jobTemplate:
    spec:
      template:
        metadata: { labels: { app.kubernetes.io/name: eventcore, app.kubernetes.io/component: backup } }
        spec:
          restartPolicy: Never
          securityContext: { runAsNonRoot: true, seccompProfile: { type: RuntimeDefault } }
          containers:
            - name: backup
              image: ghcr.io/eventcore/users-service@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
              command: [eventcore-cli, backup, create]
              # The service's ConfigMap, EVENTCORE_METRICS_PORT and all: the CLI serves no port.
              envFrom:
                - configMapRef: { name: eventcore-config-7h2k9m }
              env:
                - { name: EVENTCORE_BACKUP_DIR, value: /backups }
                - name: EVENTCORE_DATABASE_URL
                  valueFrom: { secretKeyRef: { name: eventcore-migrator, key: database-url } }
              resources: { requests: { cpu: 100m, memory: 128Mi }, limits: { cpu: 500m, memory: 256Mi } }
              securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: [ALL] } }
---
apiVersion: v1
kind: Service
metadata: { name: eventcore-app, namespace: eventcore }
spec:
  selector: { app.kubernetes.io/name: eventcore, app.kubernetes.io/component: api }
  ports: [{ name: http, port: 80, targetPort: http }, { name: metrics, port: 9464, targetPort: metrics }]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: eventcore-app, namespace: eventcore }
spec:
  minAvailable: 2
  selector: { matchLabels: { app.kubernetes.io/name: eventcore, app.kubernetes.io/component: api } }
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: eventcore-app, namespace: eventcore }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: eventcore-app }
  minReplicas: 3
  maxReplicas: 10
  metrics: [{ type: Resource, resource: { name: cpu, target: { type: Utilization, averageUtilization: 70 } } }]
---
apiVersion: v1
kind: LimitRange
metadata: { name: eventcore-limits, namespace: eventcore }
spec:
  limits:
    - type: Container
      default: { cpu: 500m, memory: 512Mi }
      defaultRequest: { cpu: 250m, memory: 256Mi }
      max: { cpu: "2", memory: 2Gi }
---
apiVersion: v1
kind: ResourceQuota
metadata: { name: eventcore-quota, namespace: eventcore }
spec:
  hard: { requests.cpu: "4", requests.memory: 8Gi, limits.cpu: "8", limits.memory: 16Gi }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: eventcore, namespace: eventcore }
spec:
  podSelector: { matchLabels: { app.kubernetes.io/name: eventcore } }
  policyTypes: [Ingress, Egress]
  ingress:
    - from: [{ namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: ingress-nginx } } }]
      ports: [{ port: http }]
    - from: [{ namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: monitoring } }, podSelector: { matchLabels: { app.kubernetes.io/name: prometheus } } }]
      ports: [{ port: metrics }]
  egress:
    - to: [{ podSelector: { matchLabels: { cnpg.io/cluster: eventcore-db } } }]
      ports: [{ port: 5432 }]
    - ports: [{ port: 53, protocol: UDP }, { port: 53, protocol: TCP }]
`

/** `yaml` with `from` replaced by `to`; throws unless `from` occurs exactly once (an edit that missed proves nothing). */
export function edited(yaml: string, ...edits: readonly (readonly [from: string, to: string])[]): string {
  return edits.reduce((text, [from, to]) => {
    const count = text.split(from).length - 1
    if (count !== 1) throw new Error(`edit ${JSON.stringify(from)} matches ${count} times`)
    return text.replace(from, () => to)
  }, yaml)
}

/** `yaml` without its documents of `kind`; throws when there is none. */
export function without(yaml: string, kind: string): string {
  const documents = yaml.split('\n---\n')
  const kept = documents.filter((document) => !document.includes(`\nkind: ${kind}\n`))
  if (kept.length === documents.length) throw new Error(`no ${kind} to remove`)
  return kept.join('\n---\n')
}

/** `yaml` with more documents. */
export const plus = (yaml: string, ...documents: readonly string[]): string =>
  [yaml.trimEnd(), ...documents.map((document) => document.trim())].join('\n---\n').concat('\n')
