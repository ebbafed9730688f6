// Examples for docs/stores.md: opening each store, appending directly, idempotent retries,
// validation, migrations and the NOTIFY sent after appends.
import { type EventStore, uuidv7, ValidationError } from '@eventcore/core'
import { createMemoryStore } from '@eventcore/core/memory'
import {
  openPgliteStore,
  openPostgresStore,
  type PgliteEventStore,
  type PostgresEventStore,
  type SqlEventStore,
} from '@eventcore/postgres'
import { channelOf } from '@eventcore/postgres/store-kit'

// #region open-from-environment
/**
 * PostgreSQL when EVENTCORE_DATABASE_URL is set, otherwise the embedded PGlite store under
 * EVENTCORE_DATA_DIR (default ./data): the same choice `npm start` makes.
 */
export async function openStore(env: NodeJS.ProcessEnv = process.env): Promise<SqlEventStore> {
  const url = env.EVENTCORE_DATABASE_URL
  if (url) {
    return openPostgresStore({
      connectionString: url,
      poolSize: 10,
      connectTimeoutMs: 5000,
      statementTimeoutMs: 30_000,
    })
  }
  return openPgliteStore({ dataDir: env.EVENTCORE_DATA_DIR ?? './data' })
}
// #endregion open-from-environment

// #region memory
/** The in-memory store: no I/O, gone when the process ends. Tests, demos, single-process tools. */
export function smallMemoryStore(): EventStore {
  return createMemoryStore({
    limits: { maxEventBytes: 64 * 1024, maxStreamIdLength: 200, maxEventsPerAppend: 500 },
    clock: () => new Date('2030-01-01T00:00:00.000Z'), // stamps recordedAt
  })
}
// #endregion memory

// #region share-pglite
/** Two stores in one PGlite database, each in its own schema (PGlite costs seconds to create). */
export async function secondSchema(first: PgliteEventStore): Promise<PgliteEventStore> {
  // `db` is not closed by the second store's close(); the store that created it owns it.
  return openPgliteStore({ db: first.db, schema: 'archive' })
}
// #endregion share-pglite

// #region append
/** Appends to two streams at once, checking a third that is only read. */
export async function appendDirectly(store: EventStore): Promise<string> {
  const result = await store.append(
    [
      { streamId: 'course-physics', events: [{ type: 'SeatTaken', data: { studentId: 'ada' } }] },
      { streamId: 'student-ada', events: [{ type: 'EnrolledInCourse', data: { courseId: 'physics' } }] },
    ],
    {
      expectedVersions: {
        'course-physics': 'no-stream', // the same as 0
        'student-ada': 'any', // no check (same as leaving it out)
        'registrar-rules': 0, // read-only: checked in the same atomic step, not written
      },
    },
  )
  // result.versions is a Map of stream id → the stream's version after the append
  if (result.ok) return [...result.versions].map(([streamId, version]) => `${streamId}@${version}`).join(', ')
  // The only failure append returns is a conflict; bad input is thrown (a ValidationError).
  return result.error.conflicts.map((c) => `${c.streamId}: expected ${c.expected}, found ${c.actual}`).join('; ')
}
// #endregion append

// #region idempotent
/** A retried batch with the same event ids is stored once; the retry gets the first result back. */
export async function appendTwice(store: EventStore): Promise<{ first: boolean; retry: boolean; events: number }> {
  const batch = [
    { streamId: 'course-chemistry', events: [{ type: 'CourseOpened', data: { seats: 3 }, eventId: uuidv7() }] },
  ]
  const first = await store.append(batch, { expectedVersions: { 'course-chemistry': 'no-stream' } })
  // e.g. the connection dropped before the answer arrived, so the caller sends the same batch again
  const retry = await store.append(batch, { expectedVersions: { 'course-chemistry': 'no-stream' } })
  if (!first.ok || !retry.ok) throw new Error('expected both appends to succeed')
  const events = (await store.readStream('course-chemistry')).events.length
  return { first: first.duplicate, retry: retry.duplicate, events }
}
// #endregion idempotent

// #region validation
/** Every problem of an append is reported at once, each with the path of the bad value. */
export async function appendBadInput(store: EventStore): Promise<string[]> {
  try {
    await store.append([{ streamId: '', events: [{ type: 'Noted', data: { at: new Date(), ratio: Number.NaN } }] }])
  } catch (error) {
    // Bad input is thrown, never returned: append's { ok: false } is kept for version conflicts.
    if (error instanceof ValidationError) return error.issues.map((issue) => issue.path)
    // → ['writes.0.streamId', 'writes.0.events.0.data.at']: a Date is not plain JSON (send an ISO
    //   string); checking stops at the first bad value inside one event's data
    throw error
  }
  throw new Error('expected a validation error')
}
// #endregion validation

// #region migrations
/**
 * For an application role that may not run DDL: open without migrating. The store checks the
 * schema is at `LATEST_VERSION` and otherwise refuses, naming `eventcore-cli migrate`.
 */
export async function openWithoutMigrating(url: string, schema = 'eventcore'): Promise<PostgresEventStore> {
  return openPostgresStore({ connectionString: url, schema, migrate: false })
}
// #endregion migrations

// #region listen
/**
 * LISTENs by hand on the channel the store announces appends on (`store.onAppend` does this for
 * you). A notification carries no events (its payload is empty) and may be lost, so a consumer
 * reads with readAll when woken, and also polls.
 */
export function listenOnPglite(store: PgliteEventStore, wake: () => void): Promise<() => Promise<void>> {
  return store.db.listen(channelOf(store.schema.name), () => wake())
}

/** The same on PostgreSQL. LISTEN holds its connection, so this one stays checked out of the pool. */
export async function listenOnPostgres(store: PostgresEventStore, wake: () => void): Promise<() => Promise<void>> {
  const channel = channelOf(store.schema.name) // 'eventcore_' + the schema name
  const client = await store.pool.connect()
  client.on('notification', () => wake())
  await client.query(`LISTEN "${channel}"`)
  return async () => {
    await client.query(`UNLISTEN "${channel}"`)
    client.release()
  }
}
// #endregion listen
