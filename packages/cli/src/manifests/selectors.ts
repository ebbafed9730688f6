// Label selectors as Kubernetes evaluates them against a pod template's labels.
import { isRecord, record, records, stringMap, strings, text } from './fields.js'

type Labels = Readonly<Record<string, string>>

/**
 * Whether a `LabelSelector` (`matchLabels` and `matchExpressions`, as PDBs and NetworkPolicies
 * give them) selects `labels`. An empty selector selects every pod; an absent one (`undefined`)
 * selects none, as for a PodDisruptionBudget.
 */
export function selects(selector: unknown, labels: Labels): boolean {
  if (!isRecord(selector)) return false
  const pairs = Object.entries(stringMap(selector.matchLabels)).every(([key, value]) => labels[key] === value)
  return pairs && records(selector.matchExpressions).every((expression) => matches(expression, labels))
}

function matches(expression: Readonly<Record<string, unknown>>, labels: Labels): boolean {
  const key = text(expression.key) ?? ''
  const values = strings(expression.values)
  const value = labels[key]
  switch (expression.operator) {
    case 'In':
      return value !== undefined && values.includes(value)
    case 'NotIn':
      return value === undefined || !values.includes(value)
    case 'Exists':
      return value !== undefined
    case 'DoesNotExist':
      return value === undefined
    default:
      return false
  }
}

/** Whether a Service's plain selector (a map) selects `labels`; an empty one selects nothing here. */
export function serviceSelects(selector: unknown, labels: Labels): boolean {
  const pairs = Object.entries(stringMap(selector))
  return pairs.length > 0 && pairs.every(([key, value]) => labels[key] === value)
}

/** A selector as people read it: `{app=eventcore, tier in (api)}`; `{}` selects everything. */
export function describeSelector(selector: unknown): string {
  const fields = record(selector)
  const parts = [
    ...Object.entries(stringMap(fields.matchLabels)).map(([key, value]) => `${key}=${value}`),
    ...records(fields.matchExpressions).map((expression) => {
      const operator = text(expression.operator) ?? '?'
      const values = strings(expression.values)
      return `${text(expression.key) ?? '?'} ${operator}${values.length > 0 ? ` (${values.join(', ')})` : ''}`
    }),
  ]
  return `{${parts.join(', ')}}`
}
