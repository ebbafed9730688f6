// The deploy kit's policy over rendered manifests: what the production checklist asks of a
// Kubernetes deployment of an EventCore service, checked on the objects themselves.
import type { CheckResult } from '../checks.js'
import { acceptsEnv } from './accepted-env.js'
import { checkAutoscaler, checkDisruptionBudget, checkReplicas, checkRollingUpdate } from './availability-checks.js'
import { checkEnvironment, checkSecrets, checkTerminationGrace } from './config-checks.js'
import { checkImageTags, checkResources, checkSecurityContext } from './container-checks.js'
import { resolveEnv } from './container-env.js'
import type { KubeObject } from './kube-object.js'
import { checkLimitRange, checkResourceQuota } from './namespace-checks.js'
import { checkNetworkPolicy } from './network-checks.js'
import { type Findings, outcome } from './outcome.js'
import { podTemplates } from './pod-specs.js'
import { checkPorts } from './port-checks.js'
import { checkProbes, probeTargetsOf } from './probe-checks.js'
import { type Rendering, renderingOf } from './rendering.js'

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
  const rendering = renderingOf(objects)
  const accepted = options.acceptedEnv ?? acceptsEnv
  return (Object.keys(MANIFEST_CHECKS) as (keyof typeof MANIFEST_CHECKS)[]).map((check) =>
    outcome(MANIFEST_CHECKS[check], CHECKS[check](rendering, accepted)),
  )
}

// Each check's rule, by its key: a check added to MANIFEST_CHECKS fails to compile until it has one.
const CHECKS: Readonly<
  Record<keyof typeof MANIFEST_CHECKS, (rendering: Rendering, acceptedEnv: (name: string) => boolean) => Findings>
> = {
  replicas: checkReplicas,
  disruptionBudget: checkDisruptionBudget,
  rollingUpdate: checkRollingUpdate,
  probes: checkProbes,
  ports: checkPorts,
  resources: checkResources,
  imageTags: checkImageTags,
  securityContext: checkSecurityContext,
  secrets: checkSecrets,
  environment: checkEnvironment,
  terminationGrace: checkTerminationGrace,
  resourceQuota: checkResourceQuota,
  limitRange: checkLimitRange,
  networkPolicy: checkNetworkPolicy,
  autoscaler: checkAutoscaler,
}

/**
 * Every httpGet probe of every Deployment's containers. A probe whose port names no declared
 * container port is left out (the `probes` check fails it).
 */
export function probeTargets(objects: readonly KubeObject[]): readonly ProbeTarget[] {
  return probeTargetsOf(renderingOf(objects))
}

/**
 * The environment a container of a workload gets: `envFrom` ConfigMaps (in order), then `env`
 * literal values; variables from secrets are listed with the value `undefined`.
 * `configMapKeyRef` values are read from the rendering's ConfigMaps. Throws when the rendering
 * has no such workload (`Deployment/eventcore-app`) or container (an init container counts).
 */
export function containerEnv(
  objects: readonly KubeObject[],
  workload: string,
  container: string,
): Readonly<Record<string, string | undefined>> {
  const rendering = renderingOf(objects)
  const template = podTemplates(rendering).find((candidate) => candidate.ref === workload)
  const found = template?.containers.find((candidate) => candidate.name === container)
  if (template === undefined || found === undefined) throw new Error(`no container ${container} in ${workload}`)
  return resolveEnv(rendering, template, found).values
}
