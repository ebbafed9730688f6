import { HttpProblem } from '@eventcore/http'

/** The strong entity tag of a user: its stream version. */
export const etagOf = (version: number): string => `"${version}"`

/**
 * The version an `If-Match` header asks for: a number for `"<version>"`, `'any'` for `*` (the user
 * must exist, any version) and `undefined` when absent. Anything else is refused with 400 rather
 * than ignored, so a client's precondition never silently does nothing.
 */
export function expectedVersionOf(header: string | undefined): number | 'any' | undefined {
  if (header === undefined) return undefined
  const value = header.trim()
  if (value === '*') return 'any'
  const match = /^"(0|[1-9]\d{0,14})"$/.exec(value)
  if (!match?.[1]) {
    throw new HttpProblem(
      400,
      'invalid-if-match',
      'Bad Request',
      `If-Match must be one entity tag from an ETag of this API, like "3", or *; got ${JSON.stringify(value.slice(0, 64))}`,
    )
  }
  return Number(match[1])
}

/** True when an `If-None-Match` header names the current version (answer 304). */
export function notModified(header: string | undefined, version: number): boolean {
  if (header === undefined) return false
  const tag = etagOf(version)
  return header.split(',').some((candidate) => {
    const t = candidate.trim()
    return t === '*' || t === tag || t === `W/${tag}`
  })
}
