// What every container of every pod must have: requests and limits, a pinned image, a locked-down
// security context.
import { at, isRecord, record, records, strings, text } from './fields.js'
import type { Findings } from './outcome.js'
import { type PodContainer, type PodTemplate, podTemplates } from './pod-specs.js'
import { parseQuantity } from './quantity.js'
import type { Rendering } from './rendering.js'

const NO_PODS = 'no object in the rendering makes pods'
const RESOURCES = ['cpu', 'memory'] as const

/** The `max` of the Container limits of the LimitRanges in `namespace`, with the range named. */
function limitRangeMax(rendering: Rendering, namespace: string) {
  return rendering
    .ofKind('LimitRange')
    .filter((range) => rendering.namespaceOf(range) === namespace)
    .flatMap((range) =>
      records(at(range, 'spec', 'limits'))
        .filter((limit) => limit.type === 'Container' && isRecord(limit.max))
        .map((limit) => ({ ref: rendering.refOf(range), max: record(limit.max) })),
    )
}

/**
 * Every container and init container has cpu and memory requests and limits, each request at
 * most its limit, and each within the max of a LimitRange of its namespace.
 */
export function checkResources(rendering: Rendering): Findings {
  const templates = podTemplates(rendering)
  const failures: string[] = []
  for (const template of templates) {
    const ranges = limitRangeMax(rendering, template.namespace)
    for (const container of template.containers) {
      const problems = resourceProblems(container, ranges)
      if (problems.length > 0) failures.push(`${container.label}: ${problems.join(', ')}`)
    }
  }
  const ranged = [...new Set(templates.flatMap((t) => limitRangeMax(rendering, t.namespace).map((r) => r.ref)))]
  const count = templates.flatMap((template) => template.containers).length
  const passed = [
    `${count} container(s) of ${templates.map((t) => t.ref).join(', ')}: cpu and memory requests ≤ limits${ranged.length > 0 ? ` within the max of ${ranged.join(', ')}` : ''}`,
  ]
  return templates.length === 0 ? { skip: NO_PODS } : { failures, passed }
}

function resourceProblems(
  container: PodContainer,
  ranges: readonly { readonly ref: string; readonly max: Readonly<Record<string, unknown>> }[],
): readonly string[] {
  const resources = record(container.fields.resources)
  return RESOURCES.flatMap((resource) => {
    const request = record(resources.requests)[resource]
    const limit = record(resources.limits)[resource]
    const requested = parseQuantity(request)
    const limited = parseQuantity(limit)
    const problems = [
      ...(request === undefined
        ? [`no ${resource} request`]
        : requested === undefined
          ? [`${resource} request ${String(request)} is no quantity`]
          : []),
      ...(limit === undefined
        ? [`no ${resource} limit`]
        : limited === undefined
          ? [`${resource} limit ${String(limit)} is no quantity`]
          : []),
      ...(requested !== undefined && limited !== undefined && requested > limited
        ? [`${resource} request ${String(request)} above its limit ${String(limit)}`]
        : []),
    ]
    for (const { ref, max } of ranges) {
      const ceiling = parseQuantity(max[resource])
      if (ceiling === undefined) continue
      for (const [what, shown, value] of [
        ['request', request, requested],
        ['limit', limit, limited],
      ] as const) {
        if (value !== undefined && value > ceiling)
          problems.push(`${resource} ${what} ${String(shown)} above the max ${String(max[resource])} of ${ref}`)
      }
    }
    return problems
  })
}

/** An image reference's tag and digest (`registry:5000/name:tag@sha256:…`). */
export function imageParts(image: string): { readonly tag?: string; readonly digest?: string } {
  const [name = '', digest] = image.split('@')
  const last = name.slice(name.lastIndexOf('/') + 1)
  const colon = last.lastIndexOf(':')
  const tag = colon < 0 ? undefined : last.slice(colon + 1)
  return { ...(tag === undefined || tag === '' ? {} : { tag }), ...(digest === undefined ? {} : { digest }) }
}

/** Every image has a digest or a tag other than `latest` (no tag means `latest`). */
export function checkImageTags(rendering: Rendering): Findings {
  const templates = podTemplates(rendering)
  const failures: string[] = []
  const pinned = new Map<string, string[]>()
  for (const container of templates.flatMap((template) => template.containers)) {
    const image = text(container.fields.image)
    if (image === undefined) {
      failures.push(`${container.label}: no image`)
      continue
    }
    const { tag, digest } = imageParts(image)
    const pin = (how: string) => pinned.set(how, [...(pinned.get(how) ?? []), container.label])
    // A digest is 64 hex digits: its first 12 name it well enough in a detail line.
    if (digest !== undefined) pin(`${image.replace(/(@[a-z0-9]+:[0-9a-f]{12})[0-9a-f]+$/, '$1…')} pinned by digest`)
    else if (tag === undefined) failures.push(`${container.label}: ${image} has no tag (it means latest)`)
    else if (tag === 'latest') failures.push(`${container.label}: ${image} is latest`)
    else pin(`${image} pinned by tag`)
  }
  const passed = [...pinned].map(([image, users]) => `${image} (${users.join(', ')})`)
  return templates.length === 0 ? { skip: NO_PODS } : { failures, passed }
}

/**
 * Every container runs as non-root (container or pod level), never as uid 0, on a read-only root
 * filesystem, without privilege escalation or privileged mode, with every capability dropped and
 * the runtime's seccomp profile (container or pod level).
 */
export function checkSecurityContext(rendering: Rendering): Findings {
  const templates = podTemplates(rendering)
  const failures: string[] = []
  let count = 0
  for (const template of templates) {
    for (const container of template.containers) {
      count += 1
      const problems = securityProblems(template, container)
      if (problems.length > 0) failures.push(`${container.label}: ${problems.join(', ')}`)
    }
  }
  const passed = [
    `${count} container(s): non-root, read-only root filesystem, no privilege escalation, capabilities dropped, seccomp`,
  ]
  return templates.length === 0 ? { skip: NO_PODS } : { failures, passed }
}

function securityProblems(template: PodTemplate, container: PodContainer): readonly string[] {
  const pod = record(template.spec.securityContext)
  const own = record(container.fields.securityContext)
  const runAsNonRoot = own.runAsNonRoot ?? pod.runAsNonRoot
  const runAsUser = own.runAsUser ?? pod.runAsUser
  const seccomp = text(at(own, 'seccompProfile', 'type')) ?? text(at(pod, 'seccompProfile', 'type'))
  return [
    ...(runAsNonRoot === true ? [] : ['runAsNonRoot not true']),
    ...(runAsUser === 0 ? ['runAsUser 0 (root)'] : []),
    ...(own.readOnlyRootFilesystem === true ? [] : ['readOnlyRootFilesystem not true']),
    ...(own.allowPrivilegeEscalation === false ? [] : ['allowPrivilegeEscalation not false']),
    ...(own.privileged === true ? ['privileged'] : []),
    ...(strings(at(own, 'capabilities', 'drop')).includes('ALL') ? [] : ['capabilities.drop lacks ALL']),
    ...(seccomp === 'RuntimeDefault' || seccomp === 'Localhost'
      ? []
      : [`seccompProfile ${seccomp ?? 'unset'}, not RuntimeDefault or Localhost`]),
  ]
}
