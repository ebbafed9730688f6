import { defineCommand, reject } from '@eventcore/core'
import {
  emailClaimed,
  emailReleased,
  type UserEvent,
  type UsersEvent,
  userDeactivated,
  userEmailChanged,
  userRegistered,
  userRenamed,
} from './events.js'
import { evolveProfile, type UserProfile } from './profile.js'
import { emailStream, userStream } from './streams.js'
import { assertNoIssues, emailIssues, expectedVersionIssues, nameIssues, userIdIssues } from './user-input.js'

/** Input of {@link registerUser}; the id comes from the caller (a UUIDv7), never from `decide`. */
export interface RegisterUserInput {
  readonly userId: string
  readonly email: string
  readonly firstName: string
  readonly lastName: string
}

/** Input of {@link updateUser} (a PATCH): absent fields stay as they are. */
export interface UpdateUserInput {
  readonly userId: string
  readonly firstName?: string
  readonly lastName?: string
  readonly email?: string
  /** The user-stream version the caller saw (`If-Match`); rejected with `version-mismatch` when it moved. */
  readonly expectedVersion?: number
}

/** Input of {@link deactivateUser}. */
export interface DeactivateUserInput {
  readonly userId: string
  /** As in {@link UpdateUserInput.expectedVersion}. */
  readonly expectedVersion?: number
}

// Refusals reach the logs (the HTTP error handler logs their message): they never repeat the
// address or a name. The client knows what it sent.
const EMAIL_TAKEN = 'the e-mail address is already registered to another user'

/** Who holds an address: the user id of the last unreleased claim, or `undefined` when it is free. */
type ClaimHolder = string | undefined

const holder = (current: ClaimHolder, event: UsersEvent): ClaimHolder => {
  switch (event.type) {
    case 'EmailClaimed':
      return event.data.userId
    case 'EmailReleased':
      return undefined
    case 'UserRegistered':
    case 'UserRenamed':
    case 'UserEmailChanged':
    case 'UserDeactivated':
      return current
  }
}

const isProfileEvent = (event: UsersEvent): event is UserEvent =>
  event.type !== 'EmailClaimed' && event.type !== 'EmailReleased'

const takenBySomeoneElse = (claim: ClaimHolder, userId: string) => claim !== undefined && claim !== userId

interface RegisterState {
  readonly profile: UserProfile | undefined
  readonly claim: ClaimHolder
}

/**
 * Registers a user and claims the address in one atomic append to the user stream and the
 * address's claim stream: two registrations of one address (in any letter case) race on the claim
 * stream, and the executor decides the loser again, which then sees the claim.
 *
 * Rejects `user-exists` (the id is taken) and `email-taken` (another user holds the address).
 *
 * @example
 * await executor.execute(registerUser, { userId: uuidv7(), email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' })
 */
export const registerUser = defineCommand({
  name: 'register-user',
  streams: (input: RegisterUserInput) => {
    assertNoIssues([
      ...userIdIssues(input.userId),
      ...emailIssues(input.email),
      ...nameIssues(input.firstName, 'firstName'),
      ...nameIssues(input.lastName, 'lastName'),
    ])
    return { user: userStream(input.userId), email: emailStream(input.email) }
  },
  initialState: (): RegisterState => ({ profile: undefined, claim: undefined }),
  apply: (state, event: UsersEvent): RegisterState =>
    isProfileEvent(event)
      ? { ...state, profile: evolveProfile(state.profile, event) }
      : { ...state, claim: holder(state.claim, event) },
  decide: (state, input) => {
    if (state.profile) return reject('user-exists', `user ${input.userId} already exists`)
    if (takenBySomeoneElse(state.claim, input.userId)) return reject('email-taken', EMAIL_TAKEN)
    return {
      user: [
        userRegistered({
          userId: input.userId,
          email: input.email.trim(),
          firstName: input.firstName.trim(),
          lastName: input.lastName.trim(),
        }),
      ],
      email: state.claim === input.userId ? [] : [emailClaimed(input.userId)],
    }
  },
})

interface ExistingUserState {
  readonly profile: UserProfile | undefined
  /** Who holds the address the user moves to (the `newClaim` stream), when there is one. */
  readonly newClaim: ClaimHolder
}

const notFound = (userId: string) => reject('user-not-found', `user ${userId} does not exist`)

/** The refusal of a stale `If-Match`, if it is one. */
function staleVersion(profile: UserProfile, input: { userId: string; expectedVersion?: number }) {
  if (input.expectedVersion === undefined || input.expectedVersion === profile.version) return undefined
  const details = { expected: input.expectedVersion, actual: profile.version }
  return reject('version-mismatch', `user ${input.userId} is at version ${profile.version}`, details)
}

/** The claim stream the user must move to: only when the normalized address changes. */
function movesTo(profile: UserProfile | undefined, email: string | undefined): string | undefined {
  if (!profile || email === undefined) return undefined
  const next = emailStream(email)
  return next === emailStream(profile.email) ? undefined : next
}

/**
 * Renames a user and/or changes their address, in one atomic append. A new address is claimed and
 * the old one released in the same append, so at no moment do both or neither belong to the user.
 * Both claim streams are found from the user's state (`discover`): which address is the old one is
 * only known once the user stream is read, and a change in letter case keeps the same claim stream.
 * A PATCH that changes nothing writes nothing.
 *
 * Rejects `user-not-found`, `version-mismatch` (details `{ expected, actual }`), `user-deactivated`
 * and `email-taken`. On a conflict the executor decides again on fresh state, so a stale
 * `expectedVersion` always ends as `version-mismatch`.
 *
 * @example
 * await executor.execute(updateUser, { userId, email: 'ada@lovelace.org', expectedVersion: 1 })
 */
export const updateUser = defineCommand({
  name: 'update-user',
  streams: (input: UpdateUserInput) => {
    assertNoIssues([
      ...userIdIssues(input.userId),
      ...(input.email === undefined ? [] : emailIssues(input.email)),
      ...(input.firstName === undefined ? [] : nameIssues(input.firstName, 'firstName')),
      ...(input.lastName === undefined ? [] : nameIssues(input.lastName, 'lastName')),
      ...(input.expectedVersion === undefined ? [] : expectedVersionIssues(input.expectedVersion)),
    ])
    return { user: userStream(input.userId) }
  },
  discover: ({ profile }: ExistingUserState, input): { previousClaim?: string; newClaim?: string } => {
    const newClaim = movesTo(profile, input.email)
    return profile && newClaim ? { previousClaim: emailStream(profile.email), newClaim } : {}
  },
  initialState: (): ExistingUserState => ({ profile: undefined, newClaim: undefined }),
  apply: (state, event: UsersEvent, stream): ExistingUserState => {
    if (isProfileEvent(event)) return { ...state, profile: evolveProfile(state.profile, event) }
    // The old claim stream is read only to be written to (and version-checked): it is ours.
    return stream === 'newClaim' ? { ...state, newClaim: holder(state.newClaim, event) } : state
  },
  decide: (state, input) => {
    const { profile } = state
    if (!profile) return notFound(input.userId)
    const stale = staleVersion(profile, input)
    if (stale) return stale
    if (profile.status === 'deactivated') return reject('user-deactivated', `user ${input.userId} is deactivated`)

    const firstName = input.firstName?.trim() ?? profile.firstName
    const lastName = input.lastName?.trim() ?? profile.lastName
    const email = input.email?.trim() ?? profile.email
    const renamed = firstName !== profile.firstName || lastName !== profile.lastName
    const moving = movesTo(profile, email) !== undefined
    if (moving && takenBySomeoneElse(state.newClaim, input.userId)) return reject('email-taken', EMAIL_TAKEN)

    const user = [
      ...(renamed ? [userRenamed({ firstName, lastName })] : []),
      ...(email === profile.email ? [] : [userEmailChanged({ previousEmail: profile.email, email })]),
    ]
    if (user.length === 0) return {}
    if (!moving) return { user }
    return {
      user,
      newClaim: state.newClaim === input.userId ? [] : [emailClaimed(input.userId)],
      previousClaim: [emailReleased(input.userId)],
    }
  },
})

/**
 * Deactivates a user. Deactivating twice is not an error: the second time nothing happens.
 *
 * The address stays claimed: the claim stream is not written. An address that belonged to a closed
 * account is not reusable, so nobody can register it and take over whatever still trusts it
 * (password resets, invitations, other systems keyed by the address).
 *
 * Rejects `user-not-found` and `version-mismatch` (details `{ expected, actual }`).
 *
 * @example
 * await executor.execute(deactivateUser, { userId, expectedVersion: 3 })
 */
export const deactivateUser = defineCommand({
  name: 'deactivate-user',
  streams: (input: DeactivateUserInput) => {
    assertNoIssues([
      ...userIdIssues(input.userId),
      ...(input.expectedVersion === undefined ? [] : expectedVersionIssues(input.expectedVersion)),
    ])
    return { user: userStream(input.userId) }
  },
  initialState: (): UserProfile | undefined => undefined,
  apply: (profile, event: UserEvent) => evolveProfile(profile, event),
  decide: (profile, input) => {
    if (!profile) return notFound(input.userId)
    return staleVersion(profile, input) ?? (profile.status === 'deactivated' ? {} : { user: [userDeactivated()] })
  },
})
