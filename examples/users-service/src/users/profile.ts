import type { UserEvent } from './events.js'

/** What a user stream says about the user, without times: the state commands decide on. */
export interface UserProfile {
  readonly id: string
  /** As the user gave it, trimmed. */
  readonly email: string
  readonly firstName: string
  readonly lastName: string
  readonly status: 'active' | 'deactivated'
  /** How many events the user stream holds: its stream version, the ETag. */
  readonly version: number
}

/**
 * Folds one user-stream event into the profile (`undefined` before `UserRegistered`). The one place
 * that says what each user event means, for the commands and the stream read alike.
 *
 * @example
 * const profile = events.reduce(evolveProfile, undefined)
 */
export function evolveProfile(profile: UserProfile | undefined, event: UserEvent): UserProfile | undefined {
  switch (event.type) {
    case 'UserRegistered': {
      const { userId, email, firstName, lastName } = event.data
      return { id: userId, email, firstName, lastName, status: 'active', version: (profile?.version ?? 0) + 1 }
    }
    case 'UserRenamed':
      return (
        profile && {
          ...profile,
          firstName: event.data.firstName,
          lastName: event.data.lastName,
          version: profile.version + 1,
        }
      )
    case 'UserEmailChanged':
      return profile && { ...profile, email: event.data.email, version: profile.version + 1 }
    case 'UserDeactivated':
      return profile && { ...profile, status: 'deactivated', version: profile.version + 1 }
  }
}
