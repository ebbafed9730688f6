// Examples for docs/upcasting.md: events written in an old shape, read in the current one.
import {
  createUpcaster,
  defineCommand,
  type Event,
  event,
  type GlobalCursor,
  type RecordedEvent,
  reject,
  START,
  type Upcaster,
} from '@eventcore/core'
import { createMemoryStore } from '@eventcore/core/memory'
import {
  openPgliteStore,
  openPostgresStore,
  type PgliteStoreOptions,
  type SqlConnection,
  type SqlEventStore,
} from '@eventcore/postgres'
import { readAll } from '@eventcore/postgres/store-kit'

// #region upcasters
/**
 * StudentRegistered has changed shape twice:
 *   version 1: { name: 'Ada Lovelace' }
 *   version 2: { firstName: 'Ada', lastName: 'Lovelace' }
 *   version 3: version 2 and a locale
 * The code knows only the current shape; the upcasters bring older events to it when they are read.
 */
export type StudentRegistered = Event<
  'StudentRegistered',
  { readonly firstName: string; readonly lastName: string; readonly locale: string }
>

/** The schema version new StudentRegistered events are written at: where the upcasters lead. */
export const STUDENT_REGISTERED_VERSION = 3

export const studentUpcasters: readonly Upcaster[] = [
  {
    type: 'StudentRegistered',
    fromVersion: 1, // reads version 1, returns the data of version 2
    upcast: (data) => {
      const { name, ...rest } = data as { name: string }
      const [firstName = '', ...others] = name.split(' ')
      return { ...rest, firstName, lastName: others.join(' ') }
    },
  },
  {
    type: 'StudentRegistered',
    fromVersion: 2,
    // The second argument is the event being upcast: its metadata, stream, recordedAt…
    upcast: (data, recorded) => ({ ...(data as object), locale: recorded.metadata.locale ?? 'en' }),
  },
]
// #endregion upcasters

// #region stores
/** Every store takes the same option, and applies it to every read. */
export const memoryStore = () => createMemoryStore({ upcasters: studentUpcasters })

export const pgliteStore = (options: PgliteStoreOptions = {}) =>
  openPgliteStore({ ...options, upcasters: studentUpcasters })

export const postgresStore = (connectionString: string) =>
  openPostgresStore({ connectionString, upcasters: studentUpcasters })
// #endregion stores

// #region write-current
/** Registers a student. New events are written at the current version, so no upcaster touches them. */
export const registerStudent = defineCommand({
  name: 'register-student',
  streams: (input: { readonly studentId: string; readonly firstName: string; readonly lastName: string }) => ({
    student: `student-${input.studentId}`,
  }),
  initialState: () => ({ registered: false }),
  // Events read here are already upcast: `apply` knows only the current shape.
  apply: (state, e: StudentRegistered) => (e.type === 'StudentRegistered' ? { registered: true } : state),
  decide: (state, { firstName, lastName }) => {
    if (state.registered) return reject('student-exists')
    const data = { firstName, lastName, locale: 'en' }
    return { student: [event('StudentRegistered', data, { schemaVersion: STUDENT_REGISTERED_VERSION })] }
  },
})
// #endregion write-current

// #region sql-operations
const upcast = createUpcaster(studentUpcasters)

/**
 * The SQL operations of @eventcore/postgres/store-kit (here readAll on a transaction's connection)
 * return rows as stored; apply the same upcasters yourself.
 */
export async function readInTransaction(
  tx: SqlConnection,
  store: SqlEventStore,
  after: GlobalCursor = START,
): Promise<RecordedEvent[]> {
  const page = await readAll(tx, store.schema, { after, limit: 500 })
  return page.events.map(upcast)
}
// #endregion sql-operations
