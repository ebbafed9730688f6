import { type Event, event, type RecordedEvent } from '@eventcore/core'

/** A user signed up. `email` is kept as given (trimmed); uniqueness is checked on its normalized form. */
export type UserRegistered = Event<
  'UserRegistered',
  { readonly userId: string; readonly email: string; readonly firstName: string; readonly lastName: string }
>
/** The user's name changed; both parts are carried, so a reader never has to merge. */
export type UserRenamed = Event<'UserRenamed', { readonly firstName: string; readonly lastName: string }>
/** The user's e-mail address changed (possibly only in letter case). */
export type UserEmailChanged = Event<'UserEmailChanged', { readonly previousEmail: string; readonly email: string }>
/** The account was closed. Nothing more happens to it. */
export type UserDeactivated = Event<'UserDeactivated', Readonly<Record<string, never>>>

/** Everything that happens in a user stream (`user-<id>`). */
export type UserEvent = UserRegistered | UserRenamed | UserEmailChanged | UserDeactivated

/** An address was claimed by a user, in its claim stream (`email-<normalized address>`). */
export type EmailClaimed = Event<'EmailClaimed', { readonly userId: string }>
/** The user holding the address gave it up (changed to another one); anyone may claim it now. */
export type EmailReleased = Event<'EmailReleased', { readonly userId: string }>

/** Everything that happens in an e-mail claim stream. */
export type EmailClaimEvent = EmailClaimed | EmailReleased

/** Every event of the users domain. */
export type UsersEvent = UserEvent | EmailClaimEvent

/** The event types of a user stream, e.g. for a projection's `eventTypes`. */
export const userEventTypes: readonly UserEvent['type'][] = [
  'UserRegistered',
  'UserRenamed',
  'UserEmailChanged',
  'UserDeactivated',
]

const USER_EVENT_TYPES: ReadonlySet<string> = new Set(userEventTypes)

/**
 * True when a recorded event is one of the user stream's. Events are written only by this
 * domain's commands, so the type names the data's shape.
 *
 * @example
 * for (const e of slice.events) if (isUserEvent(e) && e.type === 'UserRenamed') console.log(e.data.firstName)
 */
export function isUserEvent(recorded: RecordedEvent): recorded is RecordedEvent<UserEvent> {
  return USER_EVENT_TYPES.has(recorded.type)
}

/**
 * Makes a {@link UserRegistered} event.
 *
 * @example
 * userRegistered({ userId: 'u1', email: 'Ada@example.com', firstName: 'Ada', lastName: 'Lovelace' })
 */
export function userRegistered(data: UserRegistered['data']): UserRegistered {
  return event('UserRegistered', {
    userId: data.userId,
    email: data.email,
    firstName: data.firstName,
    lastName: data.lastName,
  })
}

/** Makes a {@link UserRenamed} event. */
export function userRenamed(data: UserRenamed['data']): UserRenamed {
  return event('UserRenamed', { firstName: data.firstName, lastName: data.lastName })
}

/** Makes a {@link UserEmailChanged} event. */
export function userEmailChanged(data: UserEmailChanged['data']): UserEmailChanged {
  return event('UserEmailChanged', { previousEmail: data.previousEmail, email: data.email })
}

/** Makes a {@link UserDeactivated} event. */
export function userDeactivated(): UserDeactivated {
  return event('UserDeactivated', {})
}

/** Makes an {@link EmailClaimed} event for the claiming user. */
export function emailClaimed(userId: string): EmailClaimed {
  return event('EmailClaimed', { userId })
}

/** Makes an {@link EmailReleased} event for the user giving the address up. */
export function emailReleased(userId: string): EmailReleased {
  return event('EmailReleased', { userId })
}
