// What each namespace the pods land in must bound: a ResourceQuota on cpu and memory, and a
// LimitRange giving containers defaults.
import { at, isRecord, record, records } from './fields.js'
import type { Findings } from './outcome.js'
import { podTemplates } from './pod-specs.js'
import type { Rendering } from './rendering.js'

const QUOTA_KEYS = ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'] as const
// `cpu` and `memory` in a quota are requests, by Kubernetes' own definition.
const ALIAS: Readonly<Record<string, string>> = { 'requests.cpu': 'cpu', 'requests.memory': 'memory' }

const podNamespaces = (rendering: Rendering): readonly string[] => [
  ...new Set(podTemplates(rendering).map((template) => template.namespace)),
]

const NO_PODS = 'no object in the rendering makes pods'

/** Each namespace with pods has ResourceQuota hard limits on requests and limits of cpu and memory. */
export function checkResourceQuota(rendering: Rendering): Findings {
  const failures: string[] = []
  const passed: string[] = []
  const namespaces = podNamespaces(rendering)
  for (const namespace of namespaces) {
    const quotas = rendering.ofKind('ResourceQuota').filter((quota) => rendering.namespaceOf(quota) === namespace)
    if (quotas.length === 0) {
      failures.push(`namespace ${namespace}: no ResourceQuota`)
      continue
    }
    const hard = Object.assign({}, ...quotas.map((quota) => record(at(quota, 'spec', 'hard')))) as Record<
      string,
      unknown
    >
    const value = (key: string) => hard[key] ?? hard[ALIAS[key] ?? '']
    const missing = QUOTA_KEYS.filter((key) => value(key) === undefined)
    const refs = quotas.map(rendering.refOf).join(', ')
    if (missing.length > 0) failures.push(`namespace ${namespace}: ${refs} sets no hard ${missing.join(', ')}`)
    else
      passed.push(
        `namespace ${namespace}: ${refs} ${QUOTA_KEYS.map((key) => `${key} ${String(value(key))}`).join(', ')}`,
      )
  }
  return namespaces.length === 0 ? { skip: NO_PODS } : { failures, passed }
}

/** Each namespace with pods has a LimitRange whose Container limit gives a default and a defaultRequest. */
export function checkLimitRange(rendering: Rendering): Findings {
  const failures: string[] = []
  const passed: string[] = []
  const namespaces = podNamespaces(rendering)
  for (const namespace of namespaces) {
    const ranges = rendering.ofKind('LimitRange').filter((range) => rendering.namespaceOf(range) === namespace)
    const found = ranges.flatMap((range) =>
      records(at(range, 'spec', 'limits'))
        .filter((limit) => limit.type === 'Container' && isRecord(limit.default) && isRecord(limit.defaultRequest))
        .map(
          (limit) =>
            `${rendering.refOf(range)} default ${quantities(limit.default)}, defaultRequest ${quantities(limit.defaultRequest)}${isRecord(limit.max) ? `, max ${quantities(limit.max)}` : ''}`,
        ),
    )
    if (found.length > 0) passed.push(`namespace ${namespace}: ${found.join('; ')}`)
    else if (ranges.length === 0) failures.push(`namespace ${namespace}: no LimitRange`)
    else
      failures.push(
        `namespace ${namespace}: ${ranges.map(rendering.refOf).join(', ')} gives containers no default and defaultRequest`,
      )
  }
  return namespaces.length === 0 ? { skip: NO_PODS } : { failures, passed }
}

const quantities = (value: unknown): string =>
  Object.entries(record(value))
    .map(([resource, quantity]) => `${resource} ${String(quantity)}`)
    .join(' ')
