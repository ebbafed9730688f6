import { ValidationError, type ValidationIssue } from '@eventcore/core'

/** The longest e-mail address accepted (RFC 5321's path limit). */
export const MAX_EMAIL_LENGTH = 254
/** The longest first or last name accepted. */
export const MAX_NAME_LENGTH = 200

const USER_ID = /^[A-Za-z0-9_-]{1,64}$/
// One @, something on both sides, printable ASCII only: the HTTP schema may be stricter.
const EMAIL = /^[\x21-\x3f\x41-\x7e]+@[\x21-\x3f\x41-\x7e]+$/
const NON_ASCII = /[^\p{ASCII}]/u
const CONTROL = /\p{Cc}/u

/** Problems with a user id: 1–64 letters, digits, `-` or `_` (a UUID fits). */
export function userIdIssues(userId: unknown, path = 'userId'): ValidationIssue[] {
  return typeof userId === 'string' && USER_ID.test(userId)
    ? []
    : [{ path, message: 'must be 1-64 letters, digits, - or _' }]
}

/**
 * Problems with an e-mail address, judged after trimming. Only ASCII is accepted, so that two
 * addresses a reader cannot tell apart (a Cyrillic `а` for a Latin `a`, a full-width `＠`, a
 * zero-width space) can never both be registered: an internationalized domain is given in its
 * IDNA form (`xn--…`), and a non-ASCII local part is refused. Letter case is folded by
 * `normalizeEmail`. Messages never repeat the address: they reach the logs.
 *
 * @example
 * emailIssues('аda@example.com') // [{ path: 'email', message: 'must be ASCII: …' }]
 */
export function emailIssues(email: unknown, path = 'email'): ValidationIssue[] {
  if (typeof email !== 'string') return [{ path, message: 'must be a string' }]
  const trimmed = email.trim()
  if (trimmed.length > MAX_EMAIL_LENGTH) return [{ path, message: `must be at most ${MAX_EMAIL_LENGTH} characters` }]
  if (NON_ASCII.test(trimmed))
    return [{ path, message: 'must be ASCII: give an internationalized domain in its IDNA form (xn--…)' }]
  return EMAIL.test(trimmed) ? [] : [{ path, message: 'is not an e-mail address' }]
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
