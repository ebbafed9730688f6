import type { RecordedEvent, StreamSlice } from '@eventcore/core'
import { isUserEvent } from './events.js'
import { evolveProfile, type UserProfile } from './profile.js'

/** A user as the API shows it. */
export interface User {
  readonly id: string
  /** As the user gave it, trimmed. */
  readonly email: string
  readonly firstName: string
  readonly lastName: string
  readonly status: 'active' | 'deactivated'
  /** The user stream's version: the ETag, and what `If-Match` must name. */
  readonly version: number
  /** ISO-8601, when the user registered. */
  readonly createdAt: string
  /** ISO-8601, when the last change happened. */
  readonly updatedAt: string
}

/**
 * When an event happened: the time the command decided it (`metadata.occurredAt`, from the
 * executor's clock), else when the store recorded it.
 */
export function occurredAt(event: RecordedEvent): string {
  const { occurredAt } = event.metadata
  return typeof occurredAt === 'string' ? occurredAt : event.recordedAt.toISOString()
}

/**
 * The user a user stream describes, or `undefined` when it has no registration. Pure; reading the
 * stream (rather than the list's read model) gives read-your-writes and an exact ETag.
 *
 * @example
 * const user = userFromStream(await store.readStream(userStream(id)))
 * if (user) reply.header('etag', `"${user.version}"`)
 */
export function userFromStream(slice: StreamSlice): User | undefined {
  let profile: UserProfile | undefined
  let createdAt: string | undefined
  let updatedAt: string | undefined
  for (const recorded of slice.events) {
    // A user stream holds only user events; anything else (from a newer release) is not ours to read.
    if (!isUserEvent(recorded)) continue
    profile = evolveProfile(profile, recorded)
    const at = occurredAt(recorded)
    if (recorded.type === 'UserRegistered') createdAt = at
    updatedAt = at
  }
  if (!profile || createdAt === undefined || updatedAt === undefined) return undefined
  const { id, email, firstName, lastName, status } = profile
  return { id, email, firstName, lastName, status, version: slice.version, createdAt, updatedAt }
}
