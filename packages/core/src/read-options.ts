import { ValidationError, type ValidationIssue } from './errors.js'
import { START } from './event.js'
import type { ReadAllOptions, ReadStreamOptions } from './event-store.js'

/** The most events one `readAll` page may return. */
export const MAX_PAGE = 10_000

// With the `u` flag a surrogate only matches when it is not half of a pair.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u

/**
 * Why a string cannot be stored as text, or `undefined` when it can. PostgreSQL refuses a NUL in
 * text and jsonb, and a lone UTF-16 surrogate has no UTF-8 encoding: both are the caller's input
 * to fix, so every store refuses them up front, alike.
 *
 * @example
 * textIssue('a\ud800') // 'contains a lone UTF-16 surrogate (not well-formed Unicode)'
 */
export function textIssue(value: string): string | undefined {
  if (value.includes('\u0000')) return 'contains a NUL character (\\u0000)'
  if (LONE_SURROGATE.test(value)) return 'contains a lone UTF-16 surrogate (not well-formed Unicode)'
  return undefined
}

/**
 * Where a JSON value holds a string (a key or a value, at any depth) that is not well-formed
 * Unicode, or `undefined`. Call it only on values already known to be plain JSON.
 *
 * @example
 * illFormedTextIn({ a: ['ok', 'b\udc00'] }, 'data') // { path: 'data.a.1', message: 'contains a lone …' }
 */
export function illFormedTextIn(value: unknown, path: string): ValidationIssue | undefined {
  if (typeof value === 'string')
    return LONE_SURROGATE.test(value)
      ? { path, message: 'contains a lone UTF-16 surrogate (not well-formed Unicode)' }
      : undefined
  if (typeof value !== 'object' || value === null) return undefined
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const issue = illFormedTextIn(value[i], `${path}.${i}`)
      if (issue) return issue
    }
    return undefined
  }
  for (const [key, item] of Object.entries(value)) {
    if (LONE_SURROGATE.test(key))
      return { path, message: 'a key contains a lone UTF-16 surrogate (not well-formed Unicode)' }
    const issue = illFormedTextIn(item, `${path}.${key}`)
    if (issue) return issue
  }
  return undefined
}

const wholeNumber = (value: unknown, min: number): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= min

/** Checks `readAll` options and fills defaults; throws a {@link ValidationError} listing every problem. */
export function checkReadAll(options: ReadAllOptions = {}): Required<ReadAllOptions> {
  const { after = START, limit = 1000 } = options
  const issues: ValidationIssue[] = []
  if (!wholeNumber(limit, 1) || limit > MAX_PAGE)
    issues.push({ path: 'limit', message: `must be a whole number from 1 to ${MAX_PAGE}, got ${String(limit)}` })
  if (
    typeof after !== 'object' ||
    after === null ||
    !wholeNumber(after.transactionId, 0) ||
    !wholeNumber(after.position, 0)
  )
    issues.push({ path: 'after', message: 'must be a cursor { transactionId, position } from an earlier page' })
  if (issues.length > 0) throw new ValidationError(issues)
  return { after, limit }
}

/** Checks `readStream` options and fills defaults; throws a {@link ValidationError} when bad. */
export function checkReadStream(streamId: unknown, options: ReadStreamOptions = {}): Required<ReadStreamOptions> {
  const { fromVersion = 1 } = options
  const issues: ValidationIssue[] = []
  if (typeof streamId !== 'string' || streamId.length === 0)
    issues.push({ path: 'streamId', message: 'must be a non-empty string' })
  else {
    const bad = textIssue(streamId)
    if (bad) issues.push({ path: 'streamId', message: bad })
  }
  if (!wholeNumber(fromVersion, 1))
    issues.push({ path: 'fromVersion', message: `must be a whole number ≥ 1, got ${String(fromVersion)}` })
  if (issues.length > 0) throw new ValidationError(issues)
  return { fromVersion }
}

/** Checks the ids given to `readStreams`; throws a {@link ValidationError} naming the bad ones. */
export function checkStreamIds(streamIds: unknown): readonly string[] {
  if (!Array.isArray(streamIds))
    throw new ValidationError([{ path: 'streamIds', message: 'must be an array of stream ids' }])
  const issues: ValidationIssue[] = []
  streamIds.forEach((id: unknown, i: number) => {
    if (typeof id !== 'string' || id.length === 0)
      issues.push({ path: `streamIds.${i}`, message: 'must be a non-empty string' })
    else {
      const bad = textIssue(id)
      if (bad) issues.push({ path: `streamIds.${i}`, message: bad })
    }
  })
  if (issues.length > 0) throw new ValidationError(issues)
  return streamIds as string[]
}
