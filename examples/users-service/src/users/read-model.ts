import {
  defineProjection,
  type Projection,
  type RecordedEvent,
  StoreUnavailableError,
  ValidationError,
  type ValidationIssue,
} from '@eventcore/core'
import { LOCK_NAMESPACE, type SqlConnection, type SqlEventStore } from '@eventcore/postgres'
import { type UserEvent, userEventTypes } from './events.js'
import { userIdOfStream } from './streams.js'
import { occurredAt, type User } from './user.js'
import { decodeUserCursor, encodeUserCursor } from './user-cursor.js'

/** The name and version of the users read model; a new version is rebuilt into its own table. */
export const USERS_PROJECTION = { name: 'users', version: 1 } as const

/** The most users one page of {@link listUsers} holds. */
export const MAX_USERS_PAGE = 1000

/** The read model's table for a projection version, in the event store's schema. */
export function usersTable(store: Pick<SqlEventStore, 'schema'>, version: number = USERS_PROJECTION.version): string {
  if (!Number.isSafeInteger(version) || version < 1) throw new Error(`bad projection version ${version}`)
  return `${store.schema.quoted}.users_v${version}`
}

/**
 * Creates the users table and its index when missing. Safe when several replicas start at once:
 * concurrent `CREATE TABLE IF NOT EXISTS` can still collide in the catalog, so the creations queue
 * on a transaction-level advisory lock.
 *
 * @example
 * await ensureUsersReadModel(store)
 * const runner = runProjection({ store, projections: createSqlProjectionStore(store), projection: usersProjection(store) })
 */
export async function ensureUsersReadModel(
  store: SqlEventStore,
  { version = USERS_PROJECTION.version }: { version?: number } = {},
): Promise<void> {
  const table = usersTable(store, version)
  await store.driver.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_NAMESPACE, table])
    // "C" collation: ids compare byte by byte, so UUIDv7 ids sort in creation order on any server locale.
    await tx.query(
      `CREATE TABLE IF NOT EXISTS ${table} (
         id text COLLATE "C" PRIMARY KEY,
         email text NOT NULL,
         first_name text NOT NULL,
         last_name text NOT NULL,
         status text NOT NULL CHECK (status IN ('active', 'deactivated')),
         version integer NOT NULL,
         created_at timestamptz NOT NULL,
         updated_at timestamptz NOT NULL,
         last_position bigint NOT NULL)`,
      [],
    )
    await tx.query(`CREATE INDEX IF NOT EXISTS users_v${version}_status_id ON ${table} (status, id)`, [])
  })
}

/**
 * For a service that does not migrate: the users table must be there (the migrator's step,
 * `npm run migrate`, creates it), else this says so and which step creates it.
 *
 * @example
 * if (!config.database.migrate) await requireUsersReadModel(store)
 */
export async function requireUsersReadModel(
  store: SqlEventStore,
  { version = USERS_PROJECTION.version }: { version?: number } = {},
): Promise<void> {
  const table = usersTable(store, version)
  const [found] = await store.driver.query<{ table: string | null }>('SELECT to_regclass($1)::text AS table', [table])
  if (found?.table) return
  throw new StoreUnavailableError(
    `the users read model's table ${table} is missing and this service does not migrate (EVENTCORE_DATABASE_MIGRATE=false): run the service's migration step as the migrator first (npm run migrate; on Kubernetes the eventcore-migrate Job)`,
    { transient: false },
  )
}

/** One user's changes in a batch; absent fields keep the row's values. */
interface Change {
  id: string
  email?: string
  first_name?: string
  last_name?: string
  status?: User['status']
  created_at?: string
  version: number
  updated_at: string
  last_position: number
}

function change(current: Change | undefined, id: string, e: RecordedEvent<UserEvent>): Change {
  const next: Change = {
    ...current,
    id,
    version: e.streamVersion,
    updated_at: occurredAt(e),
    last_position: e.globalPosition,
  }
  switch (e.type) {
    case 'UserRegistered':
      return {
        ...next,
        email: e.data.email,
        first_name: e.data.firstName,
        last_name: e.data.lastName,
        status: 'active',
        created_at: occurredAt(e),
      }
    case 'UserRenamed':
      return { ...next, first_name: e.data.firstName, last_name: e.data.lastName }
    case 'UserEmailChanged':
      return { ...next, email: e.data.email }
    case 'UserDeactivated':
      return { ...next, status: 'deactivated' }
  }
}

/**
 * The `users` projection: one row per user, for lists. Each batch is folded per user and written
 * with one multi-row upsert, in the runner's transaction (so with the checkpoint). Idempotent: a
 * row only moves forward in stream version, so a batch applied again changes nothing.
 *
 * @example
 * runProjection({ store, projections: createSqlProjectionStore(store), projection: usersProjection(store) })
 */
export function usersProjection(store: Pick<SqlEventStore, 'schema'>): Projection<SqlConnection> {
  return defineProjection<SqlConnection, UserEvent>()({
    ...USERS_PROJECTION,
    eventTypes: userEventTypes,
    handleBatch: async (events, { tx, version }) => {
      const changes = new Map<string, Change>()
      for (const e of events) {
        const id = userIdOfStream(e.streamId)
        if (id === undefined) continue
        changes.set(id, change(changes.get(id), id, e))
      }
      if (changes.size === 0) return
      const table = usersTable(store, version)
      // Missing fields come from the current row (joined in), so the proposed row is always whole.
      await tx.query(
        `INSERT INTO ${table} AS u (id, email, first_name, last_name, status, version, created_at, updated_at, last_position)
         SELECT c.id, COALESCE(c.email, cur.email), COALESCE(c.first_name, cur.first_name),
                COALESCE(c.last_name, cur.last_name), COALESCE(c.status, cur.status), c.version,
                COALESCE(c.created_at, cur.created_at), c.updated_at, c.last_position
         FROM jsonb_to_recordset($1::jsonb) AS c(id text, email text, first_name text, last_name text, status text,
                version integer, created_at timestamptz, updated_at timestamptz, last_position bigint)
         LEFT JOIN ${table} AS cur ON cur.id = c.id
         ON CONFLICT (id) DO UPDATE SET email = excluded.email, first_name = excluded.first_name,
           last_name = excluded.last_name, status = excluded.status, version = excluded.version,
           created_at = excluded.created_at, updated_at = excluded.updated_at, last_position = excluded.last_position
         WHERE u.version < excluded.version`,
        [JSON.stringify([...changes.values()])],
      )
    },
  })
}

/** Options of {@link listUsers}. */
export interface ListUsersOptions {
  /** A `next` cursor from the previous page. @default the first page */
  readonly after?: string
  /** Users per page, 1 to {@link MAX_USERS_PAGE}. */
  readonly limit: number
  /** Only users in this status. @default both */
  readonly status?: User['status']
}

/** One page of users, in id (creation) order. */
export interface UsersPage {
  readonly users: User[]
  /** Pass as `after` for the next page; `undefined` on the last page. */
  readonly next: string | undefined
}

interface UserRow {
  id: string
  email: string
  first_name: string
  last_name: string
  status: User['status']
  version: number
  created_at: Date | string
  updated_at: Date | string
}

const iso = (value: Date | string) => new Date(value).toISOString()

/**
 * Lists users from the read model, a page at a time (keyset pagination by id). The list lags the
 * events slightly; read one user from its stream for read-your-writes. Throws a `ValidationError`
 * for a bad `after` (path `after`), `limit` or `status`.
 *
 * @example
 * const first = await listUsers(store, { limit: 50 })
 * const second = first.next ? await listUsers(store, { limit: 50, after: first.next }) : undefined
 */
export async function listUsers(store: SqlEventStore, options: ListUsersOptions): Promise<UsersPage> {
  const { after, limit, status } = options
  const issues: ValidationIssue[] = []
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_USERS_PAGE)
    issues.push({ path: 'limit', message: `must be a whole number from 1 to ${MAX_USERS_PAGE}, got ${String(limit)}` })
  if (status !== undefined && status !== 'active' && status !== 'deactivated')
    issues.push({ path: 'status', message: `must be 'active' or 'deactivated', got '${String(status)}'` })
  if (issues.length > 0) throw new ValidationError(issues)

  const values: unknown[] = []
  const where: string[] = []
  if (after !== undefined) where.push(`id > $${values.push(decodeUserCursor(after, 'after'))}`)
  if (status !== undefined) where.push(`status = $${values.push(status)}`)
  const limitParam = `$${values.push(limit + 1)}` // one more than asked: is there a next page?
  const rows = await store.driver.query<UserRow>(
    `SELECT id, email, first_name, last_name, status, version, created_at, updated_at FROM ${usersTable(store)}
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT ${limitParam}`,
    values,
  )
  const users = rows.slice(0, limit).map(
    (r): User => ({
      id: r.id,
      email: r.email,
      firstName: r.first_name,
      lastName: r.last_name,
      status: r.status,
      version: Number(r.version),
      createdAt: iso(r.created_at),
      updatedAt: iso(r.updated_at),
    }),
  )
  const last = users.at(-1)
  return { users, next: rows.length > limit && last ? encodeUserCursor(last.id) : undefined }
}
