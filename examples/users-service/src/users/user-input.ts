import { ValidationError, type ValidationIssue } from '@eventcore/core'

/** The longest e-mail address accepted (RFC 5321's path limit). */
export const MAX_EMAIL_LENGTH = 254
/** The longest first or last name accepted. */
export const MAX_NAME_LENGTH = 200

const USER_ID = /^[A-Za-z0-9_-]{1,64}$/
// One @, something on both sides, no spaces or control characters: the HTTP schema may be stricter.
const EMAIL = /^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+$/u
const CONTROL = /\p{Cc}/u

/** Problems with a user id: 1–64 letters, digits, `-` or `_` (a UUID fits). */
export function userIdIssues(userId: unknown, path = 'userId'): ValidationIssue[] {
  return typeof userId === 'string' && USER_ID.test(userId)
    ? []
    : [{ path, message: 'must be 1-64 letters, digits, - or _' }]
}

/** Problems with an e-mail address, judged after trimming. */
export function emailIssues(email: unknown, path = 'email'): ValidationIssue[] {
  if (typeof email !== 'string') return [{ path, message: 'must be a string' }]
  const trimmed = email.trim()
  if (trimmed.length > MAX_EMAIL_LENGTH) return [{ path, message: `must be at most ${MAX_EMAIL_LENGTH} characters` }]
  return EMAIL.test(trimmed) ? [] : [{ path, message: `'${trimmed}' is not an e-mail address` }]
}

/** Problems with a first or last name, judged after trimming. */
export function nameIssues(name: unknown, path: string): ValidationIssue[] {
  if (typeof name !== 'string') return [{ path, message: 'must be a string' }]
  const trimmed = name.trim()
  if (trimmed.length === 0) return [{ path, message: 'must not be blank' }]
  if (trimmed.length > MAX_NAME_LENGTH) return [{ path, message: `must be at most ${MAX_NAME_LENGTH} characters` }]
  return CONTROL.test(trimmed) ? [{ path, message: 'must not contain control characters' }] : []
}

/** Problems with an expected version (an ETag's number): a whole number ≥ 0. */
export function expectedVersionIssues(version: unknown, path = 'expectedVersion'): ValidationIssue[] {
  return typeof version === 'number' && Number.isSafeInteger(version) && version >= 0
    ? []
    : [{ path, message: `must be a whole number ≥ 0, got ${String(version)}` }]
}

/** Throws every issue at once as a {@link ValidationError}; does nothing when there are none. */
export function assertNoIssues(issues: readonly ValidationIssue[]): void {
  if (issues.length > 0) throw new ValidationError(issues)
}
