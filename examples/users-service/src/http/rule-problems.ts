import type { EventCoreError } from '@eventcore/core'
import { HttpProblem } from '@eventcore/http'

/**
 * How the users commands' business rules answer over HTTP. Rules not named here keep the plugin's
 * default for business rules (409).
 */
const BY_RULE: Readonly<Record<string, { status: number; title: string }>> = {
  'user-not-found': { status: 404, title: 'Not Found' },
  'version-mismatch': { status: 412, title: 'Precondition Failed' },
  'email-taken': { status: 409, title: 'Conflict' },
  'user-exists': { status: 409, title: 'Conflict' },
  'user-deactivated': { status: 409, title: 'Conflict' },
}

/** The error to throw for a failed command: a rule with its own status, or the error as it is. */
export function problemOf(error: EventCoreError): Error {
  if (error.kind !== 'business-rule') return error
  const mapped = BY_RULE[error.rule]
  if (!mapped) return error
  return new HttpProblem(mapped.status, error.rule, mapped.title, error.message, {
    rule: error.rule,
    ...(error.details ?? {}),
  })
}
