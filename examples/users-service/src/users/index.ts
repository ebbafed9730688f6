/**
 * The users domain of the reference service: events, the commands that register, update and
 * deactivate users (e-mail uniqueness through claim streams written in the same atomic append),
 * the fold that reads one user from its stream, and the `users` read model for lists.
 *
 * @example
 * import { ensureUsersReadModel, listUsers, registerUser, usersProjection } from './users/index.js'
 *
 * await ensureUsersReadModel(store)
 * const runner = runProjection({ store, projections: createSqlProjectionStore(store), projection: usersProjection(store) })
 * const result = await executor.execute(registerUser, { userId: uuidv7(), email, firstName, lastName })
 * if (!result.ok) throw result.error // business rules: 'user-exists', 'email-taken'
 * const { users, next } = await listUsers(store, { limit: 50 })
 *
 * @module
 */
export {
  type DeactivateUserInput,
  deactivateUser,
  type RegisterUserInput,
  registerUser,
  type UpdateUserInput,
  updateUser,
} from './commands.js'
export {
  type EmailClaimEvent,
  type EmailClaimed,
  type EmailReleased,
  emailClaimed,
  emailReleased,
  isUserEvent,
  type UserDeactivated,
  type UserEmailChanged,
  type UserEvent,
  type UserRegistered,
  type UserRenamed,
  type UsersEvent,
  userDeactivated,
  userEmailChanged,
  userEventTypes,
  userRegistered,
  userRenamed,
} from './events.js'
export { evolveProfile, type UserProfile } from './profile.js'
export {
  ensureUsersReadModel,
  type ListUsersOptions,
  listUsers,
  MAX_USERS_PAGE,
  requireUsersReadModel,
  USERS_PROJECTION,
  type UsersPage,
  usersProjection,
  usersTable,
} from './read-model.js'
export { emailStream, normalizeEmail, userIdOfStream, userStream } from './streams.js'
export { occurredAt, type User, userFromStream } from './user.js'
export { decodeUserCursor, encodeUserCursor } from './user-cursor.js'
export {
  assertNoIssues,
  emailIssues,
  expectedVersionIssues,
  MAX_EMAIL_LENGTH,
  MAX_NAME_LENGTH,
  nameIssues,
  userIdIssues,
} from './user-input.js'
