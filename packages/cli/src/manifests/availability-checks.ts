// The checks that keep a Deployment serving through failures, drains and rollouts: replicas,
// disruption budget, rolling update, autoscaler.
import { at, record } from './fields.js'
import type { Findings } from './outcome.js'
import { deploymentTemplates } from './pod-specs.js'
import type { Rendering } from './rendering.js'
import { autoscalerBounds, autoscalerOf, replicasOf, scaledCount } from './scaling.js'
import { selects } from './selectors.js'

const NO_DEPLOYMENT = 'no Deployment in the rendering'
const replicaWord = (count: number) => `${count} replica${count === 1 ? '' : 's'}`

/** Each Deployment runs 2 or more replicas, by itself or through its autoscaler's minimum. */
export function checkReplicas(rendering: Rendering): Findings {
  const deployments = rendering.ofKind('Deployment')
  const failures: string[] = []
  const passed: string[] = []
  for (const deployment of deployments) {
    const ref = rendering.refOf(deployment)
    const declared = replicasOf(rendering, deployment)
    const hpa = autoscalerOf(rendering, deployment)
    const minimum = hpa === undefined ? undefined : autoscalerBounds(hpa).min
    const scaled = hpa === undefined ? '' : `, ${rendering.refOf(hpa)} minReplicas ${minimum}`
    if (declared >= 2 || (minimum ?? 0) >= 2) passed.push(`${ref}: ${replicaWord(declared)}${scaled}`)
    else
      failures.push(
        `${ref}: ${replicaWord(declared)}${scaled || ' and no autoscaler'}: one pod is a single point of failure`,
      )
  }
  return { skip: NO_DEPLOYMENT, failures, passed }
}

/**
 * Each Deployment of 2 or more replicas has exactly one PodDisruptionBudget selecting its pods, and
 * that budget lets at least one pod go (else node drains block).
 */
export function checkDisruptionBudget(rendering: Rendering): Findings {
  const failures: string[] = []
  const passed: string[] = []
  const budgets = rendering.ofKind('PodDisruptionBudget')
  const templates = deploymentTemplates(rendering)
  for (const template of templates) {
    const replicas = replicasOf(rendering, template.object)
    if (replicas < 2) continue
    const name = `${template.ref} (${replicaWord(replicas)})`
    const matching = budgets.filter(
      (pdb) =>
        rendering.namespaceOf(pdb) === template.namespace && selects(at(pdb, 'spec', 'selector'), template.labels),
    )
    const [pdb] = matching
    if (pdb === undefined) {
      failures.push(`${name}: no PodDisruptionBudget in ${template.namespace} selects its pods`)
      continue
    }
    if (matching.length > 1) {
      failures.push(
        `${name}: ${matching.map(rendering.refOf).join(', ')} all select its pods: Kubernetes refuses to evict a pod with more than one`,
      )
      continue
    }
    const verdict = budgetVerdict(record(pdb.spec), replicas)
    const line = `${name}: ${rendering.refOf(pdb)} ${verdict.text}`
    ;(verdict.ok ? passed : failures).push(line)
  }
  if (templates.length === 0) return { skip: NO_DEPLOYMENT }
  return { skip: 'no Deployment runs 2 or more replicas', failures, passed }
}

function budgetVerdict(spec: Readonly<Record<string, unknown>>, replicas: number): { ok: boolean; text: string } {
  if (spec.maxUnavailable !== undefined) {
    const count = scaledCount(spec.maxUnavailable, replicas, 'up')
    const shown = `maxUnavailable ${String(spec.maxUnavailable)}`
    return count === undefined
      ? { ok: false, text: `${shown} is not a count or a percentage` }
      : count >= 1
        ? { ok: true, text: `${shown} lets ${count} pod(s) go at a time` }
        : { ok: false, text: `${shown} lets no pod go: node drains block` }
  }
  if (spec.minAvailable !== undefined) {
    const count = scaledCount(spec.minAvailable, replicas, 'up')
    const shown = `minAvailable ${String(spec.minAvailable)}`
    return count === undefined
      ? { ok: false, text: `${shown} is not a count or a percentage` }
      : count < replicas
        ? { ok: true, text: `${shown} lets ${replicas - count} pod(s) go at a time` }
        : { ok: false, text: `${shown} of ${replicas} lets no pod go: node drains block` }
  }
  return { ok: false, text: 'sets neither minAvailable nor maxUnavailable: it protects nothing' }
}

/**
 * Each Deployment rolls: RollingUpdate (the default), at most one pod down at a time and fewer than
 * all of them, at least one surged in (Kubernetes' defaults, 25 % each, resolved against replicas).
 */
export function checkRollingUpdate(rendering: Rendering): Findings {
  const failures: string[] = []
  const passed: string[] = []
  for (const deployment of rendering.ofKind('Deployment')) {
    const ref = rendering.refOf(deployment)
    const strategy = record(at(deployment, 'spec', 'strategy'))
    const type = strategy.type ?? 'RollingUpdate'
    if (type !== 'RollingUpdate') {
      failures.push(`${ref}: strategy ${String(type)} stops every pod before starting new ones`)
      continue
    }
    const replicas = replicasOf(rendering, deployment)
    const rolling = record(strategy.rollingUpdate)
    const surge = scaledCount(rolling.maxSurge ?? '25%', replicas, 'up')
    const unavailable = scaledCount(rolling.maxUnavailable ?? '25%', replicas, 'down')
    if (surge === undefined || unavailable === undefined) {
      failures.push(`${ref}: maxSurge or maxUnavailable is not a count or a percentage`)
      continue
    }
    // Kubernetes never resolves both to 0: it lets one pod down then.
    const down = surge === 0 && unavailable === 0 ? 1 : unavailable
    const shown = `maxUnavailable ${down}, maxSurge ${surge} of ${replicaWord(replicas)}`
    const problems = [
      ...(down > 1 ? [`more than one pod down at a time`] : []),
      ...(down >= replicas ? ['every pod may be down at once'] : []),
      ...(surge < 1 ? ['no new pod starts before an old one stops'] : []),
    ]
    if (problems.length > 0) failures.push(`${ref}: ${shown}: ${problems.join(', ')}`)
    else passed.push(`${ref}: ${shown}`)
  }
  return { skip: NO_DEPLOYMENT, failures, passed }
}

/** Each Deployment has an autoscaler keeping 2 or more pods; none is a warning, not a failure. */
export function checkAutoscaler(rendering: Rendering): Findings {
  const failures: string[] = []
  const warnings: string[] = []
  const passed: string[] = []
  for (const deployment of rendering.ofKind('Deployment')) {
    const ref = rendering.refOf(deployment)
    const hpa = autoscalerOf(rendering, deployment)
    if (hpa === undefined) {
      warnings.push(`${ref}: no HorizontalPodAutoscaler targets it`)
      continue
    }
    const { min, max } = autoscalerBounds(hpa)
    const shown = `${rendering.refOf(hpa)} ${min}–${max ?? '?'} replicas`
    const metrics = ` on ${describeMetrics(at(hpa, 'spec', 'metrics'))}`
    if (min < 2) failures.push(`${ref}: ${shown}: minReplicas below 2`)
    else if (max === undefined || max < min) failures.push(`${ref}: ${shown}: maxReplicas below minReplicas`)
    else passed.push(`${ref}: ${shown}${metrics}`)
  }
  return { skip: NO_DEPLOYMENT, failures, warnings, passed }
}

function describeMetrics(metrics: unknown): string {
  if (!Array.isArray(metrics) || metrics.length === 0) return 'CPU (the default)'
  return metrics
    .map((metric) => {
      const resource = record(record(metric).resource)
      return typeof resource.name === 'string' ? resource.name : String(record(metric).type ?? '?')
    })
    .join(', ')
}
