/**
 * The normalized form of an e-mail address, the one uniqueness is decided on: trimmed and lower
 * case, so `Ada@Example.com ` and `ada@example.com` are one address.
 *
 * @example
 * normalizeEmail(' Ada@Example.com') // 'ada@example.com'
 */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase()
}

/**
 * The stream of one user's events.
 *
 * @example
 * userStream('0199…') // 'user-0199…'
 */
export function userStream(userId: string): string {
  return `user-${userId}`
}

/**
 * The claim stream of an address: whoever claimed it last (and has not released it) holds it.
 *
 * @example
 * emailStream('Ada@Example.com') // 'email-ada@example.com'
 */
export function emailStream(email: string): string {
  return `email-${normalizeEmail(email)}`
}

/**
 * The user id of a user stream, or `undefined` for any other stream.
 *
 * @example
 * userIdOfStream('user-0199…') // '0199…'
 */
export function userIdOfStream(streamId: string): string | undefined {
  return streamId.startsWith('user-') ? streamId.slice('user-'.length) : undefined
}
