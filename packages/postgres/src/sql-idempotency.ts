import type { IdempotencyBegin, IdempotencyBeginInput, IdempotencyStore } from '@eventcore/core/idempotency'
import { statementName } from './sql/rows.js'
import type { SqlConnection } from './sql-driver.js'
import type { SqlEventStore } from './sql-store.js'
import { withStoreErrors } from './store-errors.js'

/**
 * The `IdempotencyStore` of `@eventcore/core/idempotency` in `<schema>.idempotency_keys`, shared
 * by every replica on the database, and the clean-up of expired rows.
 */
export interface SqlIdempotencyStore extends IdempotencyStore {
  /**
   * Deletes rows expired at `now`, up to `limit` (default: the store's `cleanupBatch`); returns how
   * many. `begin` already cleans up now and then; this is for a scheduled job, if wanted.
   */
  deleteExpired(now: Date, options?: { readonly limit?: number }): Promise<number>
}

/** Options of {@link createSqlIdempotencyStore}. */
export interface SqlIdempotencyStoreOptions {
  /** Expired rows are cleaned up before every this many begins (per process). @default 100 */
  readonly cleanupEvery?: number
  /** Rows deleted per clean-up at most, so one never holds up a request for long. @default 500 */
  readonly cleanupBatch?: number
}

interface KeyRow {
  readonly fingerprint: string
  readonly state: 'in-progress' | 'done'
  readonly status: number | null
  readonly headers: Record<string, string> | null
  readonly body: string | null
}

// A vanished row (released or cleaned up between the claim and the look) means: claim again.
const MAX_CLAIMS = 5

/**
 * `Idempotency-Key` entries in the event store's database, so that every replica answers a retry
 * alike. `begin` is one `INSERT … ON CONFLICT DO UPDATE … WHERE` (the update takes over an expired
 * or abandoned row), so of concurrent begins for one key exactly one starts.
 *
 * @example
 * const store = await openPostgresStore({ connectionString: process.env.EVENTCORE_DATABASE_URL })
 * await app.register(eventcoreHttp, { idempotency: { store: createSqlIdempotencyStore(store) } })
 */
export function createSqlIdempotencyStore(
  store: SqlEventStore,
  options: SqlIdempotencyStoreOptions = {},
): SqlIdempotencyStore {
  const { cleanupEvery = 100, cleanupBatch = 500 } = options
  for (const [name, value] of Object.entries({ cleanupEvery, cleanupBatch })) {
    if (!Number.isSafeInteger(value) || value < 1)
      throw new RangeError(`${name} must be a positive integer, got ${value}`)
  }
  const { driver, schema } = store
  const table = `${schema.quoted}.idempotency_keys`
  let begins = 0

  const claim = async (db: SqlConnection, input: IdempotencyBeginInput): Promise<boolean> => {
    const rows = await db.query<{ started: number }>(
      `INSERT INTO ${table} AS k (scope, key, fingerprint, attempt, state, created_at, expires_at)
       VALUES ($1, $2, $3, $4, 'in-progress', $5, $6)
       ON CONFLICT (scope, key) DO UPDATE SET
         fingerprint = excluded.fingerprint, attempt = excluded.attempt, state = 'in-progress',
         status = NULL, headers = NULL, body = NULL, created_at = excluded.created_at, expires_at = excluded.expires_at
       WHERE k.expires_at <= excluded.created_at OR (k.state = 'in-progress' AND k.created_at < $7)
       RETURNING 1 AS started`,
      [input.scope, input.key, input.fingerprint, input.attempt, input.now, input.expiresAt, input.staleBefore],
      statementName(schema, 'idempotency_claim'),
    )
    return rows.length === 1
  }
  const look = async (db: SqlConnection, input: IdempotencyBeginInput): Promise<IdempotencyBegin | undefined> => {
    const [row] = await db.query<KeyRow>(
      `SELECT fingerprint, state, status, headers, body FROM ${table} WHERE scope = $1 AND key = $2`,
      [input.scope, input.key],
      statementName(schema, 'idempotency_look'),
    )
    if (row === undefined) return undefined
    if (row.fingerprint !== input.fingerprint) return { kind: 'mismatch' }
    if (row.state === 'in-progress') return { kind: 'in-progress' }
    return { kind: 'replay', response: { status: row.status ?? 200, headers: row.headers ?? {}, body: row.body ?? '' } }
  }
  const deleteExpired = async (now: Date, limit: number): Promise<number> => {
    // By ctid, so the batch is bounded (DELETE has no LIMIT); SKIP LOCKED leaves rows being taken over alone.
    const [row] = await driver.query<{ deleted: number }>(
      `WITH gone AS (
         DELETE FROM ${table} WHERE ctid = ANY (ARRAY(
           SELECT ctid FROM ${table} WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED))
         RETURNING 1)
       SELECT count(*)::integer AS deleted FROM gone`,
      [now, limit],
    )
    return row?.deleted ?? 0
  }

  return {
    begin: (input) =>
      withStoreErrors('idempotency begin', async () => {
        // Before the claim: a failed clean-up must not leave a claimed key behind a failed begin.
        begins += 1
        if (begins % cleanupEvery === 0) await deleteExpired(input.now, cleanupBatch)
        for (let attempt = 0; attempt < MAX_CLAIMS; attempt++) {
          if (await claim(driver, input)) return { kind: 'started' }
          const seen = await look(driver, input)
          if (seen) return seen
        }
        return { kind: 'in-progress' }
      }),
    complete: (attempt, response) =>
      withStoreErrors('idempotency complete', async () => {
        await driver.query(
          `UPDATE ${table} SET state = 'done', status = $4, headers = $5::jsonb, body = $6
           WHERE scope = $1 AND key = $2 AND attempt = $3 AND state = 'in-progress'`,
          [
            attempt.scope,
            attempt.key,
            attempt.attempt,
            response.status,
            JSON.stringify(response.headers),
            response.body,
          ],
          statementName(schema, 'idempotency_complete'),
        )
      }),
    release: (attempt) =>
      withStoreErrors('idempotency release', async () => {
        await driver.query(
          `DELETE FROM ${table} WHERE scope = $1 AND key = $2 AND attempt = $3 AND state = 'in-progress'`,
          [attempt.scope, attempt.key, attempt.attempt],
          statementName(schema, 'idempotency_release'),
        )
      }),
    deleteExpired: async (now, { limit = cleanupBatch } = {}) => {
      if (!Number.isSafeInteger(limit) || limit < 1)
        throw new RangeError(`limit must be a positive integer, got ${limit}`)
      return withStoreErrors('idempotency deleteExpired', () => deleteExpired(now, limit))
    },
  }
}
