// Ports: the API port the manifests declare is the one the service listens on (EVENTCORE_PORT), the
// metrics port exists when the service serves /metrics apart, and every Service reaches a port.
import { resolveEnv } from './container-env.js'
import { at, records, stringMap } from './fields.js'
import type { Findings } from './outcome.js'
import { containerPorts, httpPort, podTemplates, resolvePort } from './pod-specs.js'
import type { Rendering } from './rendering.js'
import { serviceSelects } from './selectors.js'

/** The service's default port (EVENTCORE_PORT unset). */
const DEFAULT_PORT = 8080

/**
 * The container port named `http` is the container's EVENTCORE_PORT (default 8080); with
 * EVENTCORE_METRICS_PORT set, that container has a port of that number; every Service selects a pod
 * template and each of its targetPorts resolves to a container port of every template it selects.
 */
export function checkPorts(rendering: Rendering): Findings {
  const failures: string[] = []
  const warnings: string[] = []
  const passed: string[] = []
  const templates = podTemplates(rendering)
  for (const template of templates) {
    for (const container of template.containers) {
      const api = httpPort(container)
      const env = resolveEnv(rendering, template, container).values
      const listed = containerPorts(container)
        .map((port) => `${port.name ?? 'unnamed'} ${port.port}`)
        .join(', ')
      if (api !== undefined) {
        const port = portSetting(env, 'EVENTCORE_PORT', DEFAULT_PORT)
        if (port === 'unknown')
          warnings.push(`${container.label}: EVENTCORE_PORT comes from a Secret or the pod: not checked`)
        else if (Number.isNaN(port)) failures.push(`${container.label}: EVENTCORE_PORT is not a port number`)
        else if (port !== api) failures.push(`${container.label}: port http ${api}, but EVENTCORE_PORT is ${port}`)
        else passed.push(`${container.label}: ${listed} (EVENTCORE_PORT ${port})`)
      }
      // Only the service serves /metrics: the CLI's Jobs share its ConfigMap but listen on nothing.
      const metrics = api === undefined ? undefined : portSetting(env, 'EVENTCORE_METRICS_PORT', undefined)
      if (typeof metrics === 'number' && metrics > 0 && !containerPorts(container).some((p) => p.port === metrics)) {
        failures.push(`${container.label}: EVENTCORE_METRICS_PORT is ${metrics}, but no container port has that number`)
      }
    }
  }
  for (const service of rendering.ofKind('Service')) {
    const ref = rendering.refOf(service)
    const selector = at(service, 'spec', 'selector')
    if (Object.keys(stringMap(selector)).length === 0) {
      passed.push(`${ref}: no selector (its endpoints are managed elsewhere): not checked`)
      continue
    }
    const selected = templates.filter(
      (template) => template.namespace === rendering.namespaceOf(service) && serviceSelects(selector, template.labels),
    )
    if (selected.length === 0) {
      failures.push(`${ref}: its selector matches no pod template`)
      continue
    }
    const problems: string[] = []
    const routes: string[] = []
    for (const port of records(at(service, 'spec', 'ports'))) {
      const target = port.targetPort ?? port.port
      const shown = `${String(port.name ?? port.port)} → ${String(target)}`
      const missing = selected.filter(
        (template) => !template.containers.some((container) => resolvePort(container, target) !== undefined),
      )
      if (missing.length > 0)
        problems.push(`${shown}: no such container port in ${missing.map((t) => t.ref).join(', ')}`)
      else routes.push(shown)
    }
    if (problems.length > 0) failures.push(`${ref}: ${problems.join(', ')}`)
    else passed.push(`${ref}: ${routes.join(', ')} on ${selected.map((t) => t.ref).join(', ')}`)
  }
  return { skip: 'no container declares a port named http and there is no Service', failures, warnings, passed }
}

// A port variable's number: its default when unset, 'unknown' when from a Secret, NaN when not a number.
function portSetting(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  fallback: number | undefined,
): number | 'unknown' | undefined {
  if (!Object.hasOwn(env, name)) return fallback
  const value = env[name]
  return value === undefined ? 'unknown' : /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN
}
