// What the containers are configured with: secrets only by reference, only variables the service
// reads, and a grace period the service's shutdown fits in.
import { holdsSecret } from './accepted-env.js'
import { type EnvSource, mountedSecrets, resolveEnv } from './container-env.js'
import { numeric, record, records, text } from './fields.js'
import type { Findings } from './outcome.js'
import { deploymentTemplates, httpPort, podTemplates } from './pod-specs.js'
import type { Rendering } from './rendering.js'

/**
 * No container sets a secret-holding variable to a literal value, no ConfigMap holds a key named
 * like a secret, and the rendering carries no Secret with data (secrets are created out of band:
 * applying one would overwrite them).
 */
export function checkSecrets(rendering: Rendering): Findings {
  const failures: string[] = []
  for (const container of podTemplates(rendering).flatMap((template) => template.containers)) {
    const literal = records(container.fields.env)
      .filter(
        (variable) => variable.value !== undefined && variable.value !== '' && holdsSecret(text(variable.name) ?? ''),
      )
      .map((variable) => text(variable.name))
    if (literal.length > 0) failures.push(`${container.label}: ${literal.join(', ')} set to a literal value`)
  }
  for (const map of rendering.ofKind('ConfigMap')) {
    const keys = Object.keys(record(map.data)).filter(holdsSecret)
    if (keys.length > 0) failures.push(`${rendering.refOf(map)}: ${keys.join(', ')} in a ConfigMap`)
  }
  for (const secret of rendering.ofKind('Secret')) {
    const keys = [...Object.keys(record(secret.data)), ...Object.keys(record(secret.stringData))]
    if (keys.length > 0) {
      failures.push(
        `${rendering.refOf(secret)} carries ${keys.join(', ')}: secrets are created out of band, and applying this would overwrite them`,
      )
    }
  }
  const referenced = [
    ...new Set(
      podTemplates(rendering).flatMap((template) => [
        ...mountedSecrets(template),
        ...template.containers.flatMap((container) =>
          resolveEnv(rendering, template, container)
            .sources.filter((s) => s.kind === 'Secret')
            .map((s) => s.name),
        ),
      ]),
    ),
  ]
  const passed = [
    referenced.length > 0
      ? `secrets only by reference (${referenced.map((name) => `Secret/${name}`).join(', ')})`
      : 'no secret in the rendering, none referenced',
  ]
  return { failures, passed }
}

/**
 * Every variable a container sets (its `env`, and the keys of the ConfigMaps and Secrets of its
 * `envFrom` that are in the rendering) is one `accepted` says the service reads; every ConfigMap
 * referred to is in the rendering (Secrets may be absent: they are created out of band, and the
 * detail names those expected).
 */
export function checkEnvironment(rendering: Rendering, accepted: (name: string) => boolean): Findings {
  const templates = podTemplates(rendering)
  const failures: string[] = []
  const expected = new Set<string>()
  let names = 0
  for (const template of templates) {
    for (const name of mountedSecrets(template)) {
      if (!rendering.ofKind('Secret').some((s) => s.metadata.name === name)) expected.add(`Secret/${name}`)
    }
    for (const container of template.containers) {
      const { values, sources } = resolveEnv(rendering, template, container)
      const unknown = Object.keys(values).filter((name) => !accepted(name))
      names += Object.keys(values).length
      if (unknown.length > 0) failures.push(`${container.label}: ${unknown.join(', ')} not read by the service`)
      const missing = sources.filter((source) => missingSource(source))
      if (missing.length > 0) failures.push(`${container.label}: ${missing.map(describeSource).join(', ')}`)
      for (const source of sources)
        if (source.kind === 'Secret' && !source.present) expected.add(`Secret/${source.name}`)
    }
  }
  const out = expected.size > 0 ? `; expected out of band: ${[...expected].join(', ')}` : ''
  const passed = [
    `${names} variable(s) set in ${templates.length} pod template(s), every one read by the service${out}`,
  ]
  return templates.length === 0 ? { skip: 'no object in the rendering makes pods' } : { failures, passed }
}

const missingSource = (source: EnvSource): boolean =>
  !source.optional && source.kind === 'ConfigMap' && (!source.present || source.hasKey === false)

const describeSource = (source: EnvSource): string =>
  source.present
    ? `ConfigMap/${source.name} has no key ${source.key ?? ''}`
    : `ConfigMap/${source.name} is not in the rendering`

const DEFAULTS = { grace: 30, drainMs: 0, timeoutMs: 10_000 } as const

/**
 * Each API container (a Deployment's, with a port named `http`) gets a grace period longer than the
 * service's drain plus shutdown timeout, so it is never killed while finishing requests.
 */
export function checkTerminationGrace(rendering: Rendering): Findings {
  const failures: string[] = []
  const passed: string[] = []
  for (const template of deploymentTemplates(rendering)) {
    const grace = numeric(template.spec.terminationGracePeriodSeconds) ?? DEFAULTS.grace
    for (const container of template.containers.filter((c) => httpPort(c) !== undefined)) {
      const env = resolveEnv(rendering, template, container).values
      const drain = milliseconds(env, 'EVENTCORE_SHUTDOWN_DRAIN_MS', DEFAULTS.drainMs)
      const timeout = milliseconds(env, 'EVENTCORE_SHUTDOWN_TIMEOUT_MS', DEFAULTS.timeoutMs)
      if (typeof drain === 'string' || typeof timeout === 'string') {
        failures.push(`${container.label}: ${[drain, timeout].filter((v) => typeof v === 'string').join(', ')}`)
        continue
      }
      const shown = `terminationGracePeriodSeconds ${grace} vs EVENTCORE_SHUTDOWN_DRAIN_MS ${drain} + EVENTCORE_SHUTDOWN_TIMEOUT_MS ${timeout}`
      if (grace * 1000 > drain + timeout)
        passed.push(`${container.label}: ${shown} (${grace * 1000 - drain - timeout} ms to spare)`)
      else failures.push(`${container.label}: ${shown}: killed before its shutdown ends`)
    }
  }
  return { skip: 'no Deployment container declares a port named http', failures, passed }
}

// A duration variable's value, its default when unset, or why it cannot be read.
function milliseconds(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  fallback: number,
): number | string {
  if (!Object.hasOwn(env, name)) return fallback
  const value = env[name]
  if (value === undefined) return `${name} comes from a Secret or the pod: cannot check`
  return /^\d+$/.test(value.trim()) ? Number(value) : `${name} ${value} is not a number of milliseconds`
}
