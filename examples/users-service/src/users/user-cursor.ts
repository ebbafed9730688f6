import { ValidationError } from '@eventcore/core'
import { userIdIssues } from './user-input.js'

const BASE64URL = /^[A-Za-z0-9_-]+$/

/**
 * The opaque cursor after a user in the list: base64url of the id, so a client passes it back
 * without reading meaning into it.
 *
 * @example
 * encodeUserCursor('0199a…') // 'MDE5OWHigKY'
 */
export function encodeUserCursor(userId: string): string {
  return Buffer.from(userId, 'utf8').toString('base64url')
}

/**
 * The user id a cursor names. Throws a {@link ValidationError} at `path` for anything
 * {@link encodeUserCursor} cannot have made (wrong alphabet, padding, bad UTF-8, empty, or a value
 * that is not a user id: a NUL or any character a user id cannot hold never reaches the database).
 *
 * @example
 * decodeUserCursor(page.next) // the id of the page's last user
 */
export function decodeUserCursor(cursor: string, path = 'after'): string {
  const bad = () => new ValidationError([{ path, message: 'is not a cursor this API returned' }])
  if (typeof cursor !== 'string' || cursor.length > 1024 || !BASE64URL.test(cursor)) throw bad()
  const userId = Buffer.from(cursor, 'base64url').toString('utf8')
  // Decoding is lenient; only a cursor that re-encodes to itself is one we made.
  if (userIdIssues(userId).length > 0 || encodeUserCursor(userId) !== cursor) throw bad()
  return userId
}
