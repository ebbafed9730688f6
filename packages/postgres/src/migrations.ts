import { StoreUnavailableError } from '@eventcore/core'
import { appendBatchFunction } from './append-batch-function.js'
import { appendEventsFunction, numberFromLatest } from './append-events-function.js'
import { appendFunctionV4 } from './append-function-v4.js'
import type { SchemaName } from './schema-name.js'
import type { SqlDriver } from './sql-driver.js'
import { storeError } from './store-errors.js'
import { privilegeCeilingSql } from './table-privileges.js'

/** One versioned step of the schema. Never edit a released one: add the next. */
export interface Migration {
  readonly version: number
  readonly name: string
  readonly sql: (schema: SchemaName) => string
}

/** Advisory-lock namespace for EventCore (the first key of the two-key lock functions). */
export const LOCK_NAMESPACE = 1_162_036_001
/** Advisory-lock namespace for migrations, apart from stream locks. */
const MIGRATION_NAMESPACE = LOCK_NAMESPACE + 1

/** The schema, in order. */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'events and the append function',
    sql: ({ quoted: s }) => `
CREATE TABLE ${s}.events (
  global_position bigint GENERATED ALWAYS AS IDENTITY,
  transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
  event_id uuid NOT NULL,
  stream_id text NOT NULL,
  stream_version bigint NOT NULL,
  type text NOT NULL,
  schema_version integer NOT NULL DEFAULT 1,
  data jsonb NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}',
  recorded_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT events_pkey PRIMARY KEY (event_id),
  CONSTRAINT events_stream_version_key UNIQUE (stream_id, stream_version)
);
-- readAll walks this index: (transaction id, position) is the only order that never skips.
-- A stream's version is the last entry of events_stream_version_key (an index-only lookup), so
-- there is no table of stream heads to update on every append.
CREATE INDEX events_transaction_order ON ${s}.events (transaction_id, global_position);

-- Appends in one round trip. Expected versions: n >= 0 exact (0 = no events), -1 any, -2 exists.
-- Returns one row per stored event (status 'ok', or 'duplicate' for a retried batch), or one row
-- per moved stream (status 'conflict'), or the reused ids (status 'reused'); writes nothing then.
-- Two writers of one stream are kept apart by the unique (stream_id, stream_version): the second
-- fails and the caller runs the append again, which then reports the conflict. Streams that are
-- only read have no such guard, so an append that checks one locks all of its streams.
${appendEventsFunction({ quoted: s }, { create: 'CREATE FUNCTION', lockNamespace: LOCK_NAMESPACE, numbering: numberFromLatest })}`,
  },
  {
    version: 2,
    name: 'projection checkpoints and dead letters',
    sql: ({ quoted: s }) => `
CREATE TABLE ${s}.projections (
  name text NOT NULL,
  version integer NOT NULL,
  cursor_transaction_id xid8 NOT NULL DEFAULT '0',
  cursor_position bigint NOT NULL DEFAULT 0,
  state text NOT NULL DEFAULT 'idle',
  active boolean NOT NULL DEFAULT false,
  processed bigint NOT NULL DEFAULT 0,
  last_error text,
  last_error_event_id uuid,
  last_error_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (name, version)
);
-- One version of a projection serves reads at a time.
CREATE UNIQUE INDEX projections_one_active ON ${s}.projections (name) WHERE active;

CREATE TABLE ${s}.dead_letters (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  projection text NOT NULL,
  version integer NOT NULL,
  event_id uuid NOT NULL,
  global_position bigint NOT NULL,
  error text NOT NULL,
  attempts integer NOT NULL,
  failed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dead_letters_projection ON ${s}.dead_letters (projection, version);
`,
  },
  {
    version: 3,
    name: 'idempotency keys',
    sql: ({ quoted: s }) => `
-- One row per (caller, Idempotency-Key): 'in-progress' while the first request runs (attempt names
-- it, so a late finish of an abandoned attempt cannot overwrite its successor), then 'done' with
-- the response a retry is answered with.
CREATE TABLE ${s}.idempotency_keys (
  scope text NOT NULL,
  key text NOT NULL,
  fingerprint text NOT NULL,
  attempt text NOT NULL,
  state text NOT NULL CHECK (state IN ('in-progress', 'done')),
  status integer,
  headers jsonb,
  body text,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (scope, key)
);
-- The clean-up deletes expired rows in small batches, oldest first.
CREATE INDEX idempotency_keys_expiry ON ${s}.idempotency_keys (expires_at);
`,
  },
  {
    version: 4,
    name: 'append numbers events from the checked version',
    sql: (schema) => appendFunctionV4(schema, LOCK_NAMESPACE),
  },
  {
    version: 5,
    name: 'appends in batches (group commit)',
    sql: appendBatchFunction,
  },
]

/** The highest migration version this code knows. */
export const LATEST_VERSION = migrations.at(-1)?.version ?? 0

/**
 * Brings a schema up to date in one transaction: every missing migration runs and is recorded in
 * `<schema>.migrations`, or none is. Safe from many processes at once: a transaction-level advisory
 * lock lets one in at a time, and the next one finds the work done. Then, in the same transaction,
 * no role but a table's owner keeps more on EventCore's tables than the stores need (events
 * insert-only: see APP_TABLE_PRIVILEGES in table-privileges.ts).
 */
export async function migrate(driver: SqlDriver, schema: SchemaName): Promise<{ applied: number[] }> {
  return driver.transaction(async (db) => {
    await db.query('SELECT pg_advisory_xact_lock($1, $2)', [MIGRATION_NAMESPACE, 0])
    // Only when missing: CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the
    // schema exists, which a migrator that was given its schema (see rolesSql) does not have.
    const [found] = await db.query<{ exists: boolean }>(
      'SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = $1) AS exists',
      [schema.name],
    )
    if (!found?.exists) await db.query(`CREATE SCHEMA IF NOT EXISTS ${schema.quoted}`)
    await db.query(
      `CREATE TABLE IF NOT EXISTS ${schema.quoted}.migrations (
        version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    )
    const done = new Set(
      (await db.query<{ version: number }>(`SELECT version FROM ${schema.quoted}.migrations`)).map((r) => r.version),
    )
    const applied: number[] = []
    for (const migration of migrations) {
      if (done.has(migration.version)) continue
      await db.query(migration.sql(schema))
      await db.query(`INSERT INTO ${schema.quoted}.migrations (version, name) VALUES ($1, $2)`, [
        migration.version,
        migration.name,
      ])
      applied.push(migration.version)
    }
    await db.query(privilegeCeilingSql(schema))
    return { applied }
  })
}

/** Migrates on open; a store that cannot migrate closes its driver and reports why. */
export async function migrateOrClose(driver: SqlDriver, schema: SchemaName): Promise<void> {
  try {
    await migrate(driver, schema)
  } catch (error) {
    await driver.close()
    throw storeError('migrate', error)
  }
}

/**
 * For a store that does not migrate (`migrate: false`): the schema must already be at
 * {@link LATEST_VERSION}, else the store closes its driver and says how to migrate it. This is
 * also the store's first connection, so a connection or TLS failure surfaces here.
 */
export async function requireMigratedOrClose(driver: SqlDriver, schema: SchemaName): Promise<void> {
  let applied: number[]
  try {
    applied = await appliedMigrations(driver, schema)
  } catch (error) {
    await driver.close()
    throw storeError('open', error)
  }
  const missing = migrations.filter((m) => !applied.includes(m.version)).map((m) => m.version)
  if (missing.length === 0) return
  await driver.close()
  throw new StoreUnavailableError(
    `schema ${schema.quoted} is not migrated (missing version${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${LATEST_VERSION}) and this store does not migrate: run the migrations as the schema's owner first (eventcore-cli migrate)`,
    { transient: false },
  )
}

/** The versions recorded in a schema; empty when it was never migrated. */
export async function appliedMigrations(driver: SqlDriver, schema: SchemaName): Promise<number[]> {
  const rows = await driver
    .query<{ version: number }>(`SELECT version FROM ${schema.quoted}.migrations ORDER BY version`)
    .catch((error: { code?: string }) => {
      if (error.code === '42P01' || error.code === '3F000') return []
      throw error
    })
  return rows.map((r) => r.version)
}
