// How many pods a Deployment runs: its replicas, its autoscaler, and the int-or-percent counts
// (rolling update, disruption budget) resolved against them as Kubernetes resolves them.
import { at, numeric, record, text } from './fields.js'
import type { KubeObject } from './kube-object.js'
import type { Rendering } from './rendering.js'

/** The HorizontalPodAutoscaler whose scaleTargetRef is `deployment`, in its namespace. */
export function autoscalerOf(rendering: Rendering, deployment: KubeObject): KubeObject | undefined {
  const namespace = rendering.namespaceOf(deployment)
  return rendering.ofKind('HorizontalPodAutoscaler').find((hpa) => {
    const target = record(at(hpa, 'spec', 'scaleTargetRef'))
    return (
      target.kind === 'Deployment' &&
      target.name === deployment.metadata.name &&
      rendering.namespaceOf(hpa) === namespace
    )
  })
}

/** An autoscaler's bounds (`minReplicas` defaults to 1). */
export const autoscalerBounds = (hpa: KubeObject): { readonly min: number; readonly max: number | undefined } => ({
  min: numeric(at(hpa, 'spec', 'minReplicas')) ?? 1,
  max: numeric(at(hpa, 'spec', 'maxReplicas')),
})

/**
 * The replicas a Deployment runs once applied: `spec.replicas`; when absent, its autoscaler's
 * minimum (the autoscaler sets the count), else 1.
 */
export function replicasOf(rendering: Rendering, deployment: KubeObject): number {
  const declared = numeric(at(deployment, 'spec', 'replicas'))
  if (declared !== undefined) return declared
  const hpa = autoscalerOf(rendering, deployment)
  return hpa === undefined ? 1 : autoscalerBounds(hpa).min
}

/**
 * An int-or-percent (`1`, `'25%'`) as a count of `total`: a percentage rounds up or down as
 * Kubernetes rounds it for that field (maxSurge and PDB counts up, a Deployment's maxUnavailable
 * down). `undefined` when it is neither.
 */
export function scaledCount(value: unknown, total: number, round: 'up' | 'down'): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined
  const percent = /^(\d+)%$/.exec(text(value) ?? '')?.[1]
  if (percent === undefined) return undefined
  const exact = (Number(percent) * total) / 100
  return round === 'up' ? Math.ceil(exact) : Math.floor(exact)
}
