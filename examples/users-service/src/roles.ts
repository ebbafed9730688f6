/**
 * The one table of who may do what in the users service: every route names a permission from
 * here, and a token's `roles` claim maps through it.
 *
 * - `admin` runs the directory: creates, reads, lists, edits and deactivates anyone.
 * - `operator` supports users: reads and lists, changes nothing.
 * - `user` reads and edits its own record only (`*:self`; the route compares the id with the
 *   token's subject).
 */
export const ROLES = {
  admin: ['users:create', 'users:read', 'users:list', 'users:update', 'users:deactivate'],
  operator: ['users:read', 'users:list'],
  user: ['users:read:self', 'users:update:self'],
} as const satisfies Readonly<Record<string, readonly string[]>>

/** A role of {@link ROLES}. */
export type Role = keyof typeof ROLES
