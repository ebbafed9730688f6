import { ValidationError, type ValidationIssue } from './errors.js'
import { START } from './event.js'
import type { ReadAllOptions, ReadStreamOptions } from './event-store.js'

/** The most events one `readAll` page may return. */
export const MAX_PAGE = 10_000

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
  })
  if (issues.length > 0) throw new ValidationError(issues)
  return streamIds as string[]
}
