// Probes: each API container is probed where the service answers (`/ready`, `/health` on its API
// port), with a startup probe, and liveness no quicker to kill than readiness is to unroute.
import { at, isRecord, numeric, record, text } from './fields.js'
import type { Findings } from './outcome.js'
import { deploymentTemplates, httpPort, type PodContainer, resolvePort } from './pod-specs.js'
import type { ProbeTarget } from './policy.js'
import type { Rendering } from './rendering.js'

const PROBES = [
  ['readiness', 'readinessProbe'],
  ['liveness', 'livenessProbe'],
  ['startup', 'startupProbe'],
] as const

/** The paths the service answers probes on (`/metrics` is a scrape, not a probe). */
const SERVED = { readiness: ['/ready'], liveness: ['/health'], startup: ['/health', '/ready'] } as const

/** Every httpGet probe of every Deployment's containers whose port resolves to a declared one. */
export function probeTargetsOf(rendering: Rendering): readonly ProbeTarget[] {
  return deploymentTemplates(rendering).flatMap((template) =>
    template.containers.flatMap((container) =>
      PROBES.flatMap(([probe, field]) => {
        const get = at(container.fields, field, 'httpGet')
        if (!isRecord(get)) return []
        const port = resolvePort(container, get.port)
        if (port === undefined) return []
        return [{ workload: template.ref, container: container.name, probe, path: text(get.path) ?? '/', port }]
      }),
    ),
  )
}

// How long a probe takes to give up on a pod: periodSeconds × failureThreshold (defaults 10 × 3).
const window = (probe: unknown): number =>
  (numeric(at(probe, 'periodSeconds')) ?? 10) * (numeric(at(probe, 'failureThreshold')) ?? 3)

/**
 * Each Deployment container declaring a port named `http` has readiness `/ready` and liveness
 * `/health` on that port, and a startup probe; every httpGet probe's port is a declared one; a
 * liveness probe quicker than readiness is a warning (it restarts pods the readiness probe would
 * only have taken out of the Service).
 */
export function checkProbes(rendering: Rendering): Findings {
  const failures: string[] = []
  const warnings: string[] = []
  const passed: string[] = []
  const templates = deploymentTemplates(rendering)
  for (const container of templates.flatMap((template) => template.containers)) {
    const api = httpPort(container)
    const problems = [...portProblems(container), ...(api === undefined ? [] : apiProblems(container, api))]
    if (problems.length > 0) {
      failures.push(`${container.label}: ${problems.join(', ')}`)
      continue
    }
    if (api === undefined) continue
    const liveness = window(container.fields.livenessProbe)
    const readiness = window(container.fields.readinessProbe)
    const windows = `liveness gives up after ${liveness} s, readiness after ${readiness} s`
    if (liveness < readiness)
      warnings.push(`${container.label}: ${windows}: liveness is more aggressive than readiness`)
    else passed.push(`${container.label}: /ready, /health and a startup probe on http (${api}); ${windows}`)
  }
  const skip =
    templates.length === 0 ? 'no Deployment in the rendering' : 'no Deployment container declares a port named http'
  return { skip, failures, warnings, passed }
}

function portProblems(container: PodContainer): readonly string[] {
  return PROBES.flatMap(([probe, field]) => {
    const get = at(container.fields, field, 'httpGet')
    if (!isRecord(get) || resolvePort(container, get.port) !== undefined) return []
    return [`${probe} probe port ${String(get.port)} is no declared containerPort`]
  })
}

function apiProblems(container: PodContainer, api: number): readonly string[] {
  return PROBES.flatMap(([probe, field]) => {
    const declared = container.fields[field]
    if (!isRecord(declared)) return [`no ${probe} probe`]
    if (probe === 'startup' && !isRecord(declared.httpGet)) return []
    const get = record(declared.httpGet)
    if (!isRecord(declared.httpGet)) return [`${probe} probe is not an httpGet of ${SERVED[probe].join(' or ')}`]
    const path = text(get.path) ?? '/'
    const port = resolvePort(container, get.port)
    return [
      ...((SERVED[probe] as readonly string[]).includes(path)
        ? []
        : [`${probe} probe path ${path}, not ${SERVED[probe].join(' or ')}`]),
      ...(port === undefined || port === api ? [] : [`${probe} probe on port ${port}, not http (${api})`]),
    ]
  })
}
