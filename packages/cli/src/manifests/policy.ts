// The deploy kit's policy over rendered manifests: what the production checklist asks of a
// Kubernetes deployment of an EventCore service, checked on the objects themselves.
import type { CheckResult } from '../checks.js'
import type { KubeObject } from './kube-object.js'

/** The name of each policy check, as `CheckResult.name` carries it (the checklist judges by these). */
export const MANIFEST_CHECKS = {
  replicas: 'replicas',
  disruptionBudget: 'pod disruption budget',
  rollingUpdate: 'rolling update',
  probes: 'probes',
  ports: 'ports',
  resources: 'resources',
  imageTags: 'image tags',
  securityContext: 'security context',
  secrets: 'secrets by reference',
  environment: 'environment',
  terminationGrace: 'termination grace',
  resourceQuota: 'resource quota',
  limitRange: 'limit range',
  networkPolicy: 'network policy',
  autoscaler: 'autoscaler',
} as const

/** Options of {@link checkManifests}. */
export interface ManifestPolicyOptions {
  /**
   * Whether a container may set this environment variable. Default: the service's configuration
   * (`ENV_NAMES`, `<SECRET>_FILE` forms), `EVENTCORE_BACKUP_DIR` (the CLI), `OTEL_*`, `NODE_OPTIONS`.
   */
  readonly acceptedEnv?: (name: string) => boolean
}

/** One probe of one container, its port resolved to a number. */
export interface ProbeTarget {
  /** `Deployment/eventcore-app` */
  readonly workload: string
  readonly container: string
  readonly probe: 'readiness' | 'liveness' | 'startup'
  readonly path: string
  readonly port: number
}

/** One check per {@link MANIFEST_CHECKS} entry, in that order; offenders are named in `detail`. */
export function checkManifests(
  objects: readonly KubeObject[],
  options: ManifestPolicyOptions = {},
): readonly CheckResult[] {
  throw new Error(`not implemented yet: checkManifests(${objects.length}, ${Object.keys(options)})`)
}

/** Every httpGet probe of every Deployment's containers. */
export function probeTargets(objects: readonly KubeObject[]): readonly ProbeTarget[] {
  throw new Error(`not implemented yet: probeTargets(${objects.length})`)
}

/**
 * The environment a container of a workload gets: `envFrom` ConfigMaps (in order), then `env`
 * literal values; variables from secrets are listed with the value `undefined`.
 */
export function containerEnv(
  objects: readonly KubeObject[],
  workload: string,
  container: string,
): Readonly<Record<string, string | undefined>> {
  throw new Error(`not implemented yet: containerEnv(${objects.length}, ${workload}, ${container})`)
}
