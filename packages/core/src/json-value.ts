import type { ValidationIssue } from './errors.js'

/**
 * Serializes a value that must survive a JSON round trip unchanged, or says where it would not:
 * `undefined`, functions, symbols, bigints, non-finite numbers, class instances such as `Date` or
 * `Map`, cycles, and the NUL character (PostgreSQL's jsonb cannot hold it).
 */
export function toStrictJson(value: unknown, path: string): { json: string } | { issue: ValidationIssue } {
  let json: string | undefined
  try {
    json = JSON.stringify(value)
  } catch {
    // A cycle or a bigint: walk with cycle tracking to say where.
    return { issue: walk(value, path, new Set()) ?? { path, message: 'cannot be serialized as JSON' } }
  }
  // JSON.stringify succeeded, so there is no cycle: walk without tracking.
  const issue = walk(value, path, undefined)
  return issue ? { issue } : { json: json as string }
}

/** The first problem {@link toStrictJson} would report, or undefined. */
export function findJsonProblem(value: unknown, path: string): ValidationIssue | undefined {
  const result = toStrictJson(value, path)
  return 'issue' in result ? result.issue : undefined
}

function walk(value: unknown, path: string, seen: Set<object> | undefined): ValidationIssue | undefined {
  switch (typeof value) {
    case 'string':
      return value.includes('\u0000') ? { path, message: 'contains a NUL character (\\u0000)' } : undefined
    case 'boolean':
      return undefined
    case 'number':
      return Number.isFinite(value) ? undefined : { path, message: `${value} is not a JSON number` }
    case 'object': {
      if (value === null) return undefined
      if (seen?.has(value)) return { path, message: 'contains a cycle' }
      seen?.add(value)
      const problem = Array.isArray(value) ? walkArray(value, path, seen) : walkObject(value, path, seen)
      seen?.delete(value)
      return problem
    }
    default:
      return { path, message: `a ${typeof value} is not JSON` }
  }
}

function walkArray(
  items: readonly unknown[],
  path: string,
  seen: Set<object> | undefined,
): ValidationIssue | undefined {
  for (let i = 0; i < items.length; i++) {
    const problem = walk(items[i], `${path}.${i}`, seen)
    if (problem) return problem
  }
  return undefined
}

function walkObject(value: object, path: string, seen: Set<object> | undefined): ValidationIssue | undefined {
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) {
    return { path, message: `a ${value.constructor?.name ?? 'class'} instance is not plain JSON; convert it first` }
  }
  const record = value as Record<string, unknown>
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue
    if (key.includes('\u0000')) return { path, message: 'a key contains a NUL character (\\u0000)' }
    const item = record[key]
    // Cheap exits for the common leaves, before building a path string.
    if (typeof item === 'string' ? !item.includes('\u0000') : typeof item === 'boolean' || item === null) continue
    if (typeof item === 'number' && Number.isFinite(item)) continue
    const problem = walk(item, `${path}.${key}`, seen)
    if (problem) return problem
  }
  return undefined
}

/** Deep equality of two JSON values, ignoring object key order (as jsonb does). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]))
  }
  const aKeys = Object.keys(a)
  const bRecord = b as Record<string, unknown>
  return (
    aKeys.length === Object.keys(b).length &&
    aKeys.every((key) => Object.hasOwn(b, key) && jsonEqual((a as Record<string, unknown>)[key], bRecord[key]))
  )
}
