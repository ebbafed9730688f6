// Examples for docs/projections.md: read models built by runProjection, with checkpoints in the
// same transaction (SQL) or in memory, failure policies, rebuilds, resets, status and lag.
import {
  createMemoryProjectionStore,
  cursorOf,
  defineProjection,
  type EventStore,
  type GlobalCursor,
  type ProjectionRunner,
  type ProjectionStore,
  projectionStatus,
  type RecordedEvent,
  type RunProjectionOptions,
  runProjection,
  START,
} from '@eventcore/core'
import { createSqlProjectionStore, type SqlConnection, type SqlEventStore } from '@eventcore/postgres'
import type { EnrollmentEvent } from './enrollment.js'

// #region define
/** The read model's table for one version of the projection: a rebuild fills a new table. */
export const seatsTable = (version: number) => `course_seats_v${version}`

/**
 * Seats and seats taken per course, in a table next to the events. The handler writes through
 * `tx`, the transaction the runner moves the checkpoint in: the table and the checkpoint commit
 * together, so after a crash no event is applied twice or skipped.
 */
export const courseSeats = defineProjection<SqlConnection, EnrollmentEvent>()({
  name: 'course-seats',
  version: 1,
  eventTypes: ['CourseOpened', 'SeatTaken'], // other events only move the checkpoint
  handle: async (e, { tx, version }) => {
    // e is a RecordedEvent of CourseOpened or SeatTaken: `eventTypes` narrows it, no cast needed
    const table = seatsTable(version) // the version being built: 1, or 2 during a rebuild
    switch (e.type) {
      case 'CourseOpened':
        await tx.query(`INSERT INTO ${table} (course_id, seats, taken) VALUES ($1, $2, 0)`, [e.streamId, e.data.seats])
        return
      case 'SeatTaken':
        await tx.query(`UPDATE ${table} SET taken = taken + 1 WHERE course_id = $1`, [e.streamId])
        return
    }
  },
})
// #endregion define

// #region run
/** Creates the version's table if needed, then runs the projection until `stop()`. */
export async function startCourseSeats(store: SqlEventStore, projection = courseSeats): Promise<ProjectionRunner> {
  await store.driver.query(
    `CREATE TABLE IF NOT EXISTS ${seatsTable(projection.version)} (
       course_id text PRIMARY KEY, seats integer NOT NULL, taken integer NOT NULL)`,
    [],
  )
  return runProjection({
    store, // where the events are read
    projections: createSqlProjectionStore(store), // checkpoints, leases, dead letters: in the store's schema
    projection,
    batchSize: 500, // events read per batch; a batch and its checkpoint commit in one transaction
    standbyRetryMs: 1000, // how often a standby asks for the lease
    minPollMs: 50, // when idle, poll after 50 ms, doubling…
    maxPollMs: 1000, // …up to 1 s; appends wake the runner at once
    liveBatchDelayMs: 0, // when live, read at most once per this many ms, so a burst is one batch
    observer: {}, // onBatch / onState / onOutage / onDeadLetter hooks, see "Status and lag"
    clock: () => new Date(), // for lag
    outageBackoff: { minMs: 100, maxMs: 5000 }, // while the store is down: wait 100 ms, doubling up to 5 s
  })
}
// #endregion run

// #region read
/** Answers from the version that serves reads: the old one until a rebuild has caught up. */
export async function seatsLeft(store: SqlEventStore, courseId: string): Promise<number | undefined> {
  const checkpoints = await createSqlProjectionStore(store).list()
  const active = checkpoints.find((c) => c.name === courseSeats.name && c.active)
  if (!active) return undefined // not caught up yet for the first time
  const [row] = await store.driver.query<{ seats_left: number }>(
    `SELECT seats - taken AS seats_left FROM ${seatsTable(active.version)} WHERE course_id = $1`,
    [`course-${courseId}`],
  )
  return row?.seats_left
}
// #endregion read

// #region memory
/**
 * Enrollments per course, kept in memory and rebuilt at every start. There is no transaction to
 * share with the checkpoint: after a failure inside a batch, its events are handed over again, so
 * the handler remembers the ids it has counted.
 */
export function countEnrollments(store: EventStore): { counts: Map<string, number>; runner: ProjectionRunner } {
  const counts = new Map<string, number>()
  const counted = new Set<string>()
  const runner = runProjection({
    store,
    projections: createMemoryProjectionStore(),
    projection: defineProjection<undefined, EnrollmentEvent>()({
      name: 'enrollment-counts',
      version: 1,
      eventTypes: ['EnrolledInCourse'],
      handle: (event) => {
        if (counted.has(event.eventId)) return // seen before: at least once, not exactly once
        counted.add(event.eventId)
        const { courseId } = event.data
        counts.set(courseId, (counts.get(courseId) ?? 0) + 1)
      },
    }),
  })
  return { counts, runner }
}
// #endregion memory

// #region failure
const PRICES: Readonly<Record<string, number>> = { algebra: 300, biology: 250 }

/** One invoice per enrollment. A course without a price cannot be invoiced: that event is parked. */
export const invoices = defineProjection<SqlConnection, EnrollmentEvent>()({
  name: 'invoices',
  version: 1,
  eventTypes: ['EnrolledInCourse'],
  failure: {
    maxAttempts: 3, // tries per event, the first included (the default)
    baseDelayMs: 50, // back-off after the first try, doubling (the default)
    onExhausted: 'dead-letter', // park it and go on; the default, 'stop', stops the runner on it
  },
  handle: async (event, { tx }) => {
    const { courseId } = event.data
    const amount = PRICES[courseId]
    if (amount === undefined) throw new Error(`no price for course ${courseId}`)
    await tx.query(
      'INSERT INTO invoices (event_id, student_id, amount) VALUES ($1, $2, $3) ON CONFLICT (event_id) DO NOTHING',
      [event.eventId, event.streamId, amount],
    )
  },
})
// #endregion failure

export async function startInvoices(store: SqlEventStore): Promise<ProjectionRunner> {
  await store.driver.query(
    'CREATE TABLE IF NOT EXISTS invoices (event_id uuid PRIMARY KEY, student_id text NOT NULL, amount integer NOT NULL)',
    [],
  )
  return runProjection({ store, projections: createSqlProjectionStore(store), projection: invoices })
}

// #region dead-letters
/** For an operator: the events the invoices projection parked, with the error of the last try. */
export async function parkedInvoices(store: SqlEventStore): Promise<string[]> {
  const parked = await createSqlProjectionStore(store).deadLetters('invoices')
  return parked.map((d) => `v${d.version} ${d.eventId} (position ${d.globalPosition}): ${d.error}, ${d.attempts} tries`)
}
// #endregion dead-letters

// #region rebuild
/**
 * Builds version 2 from the start into its own table while version 1 keeps serving. Once version
 * 2 has caught up it becomes the active one; version 1's runner then retires and ends, and its
 * table can go.
 */
export async function rebuildCourseSeats(store: SqlEventStore, v1: ProjectionRunner): Promise<ProjectionRunner> {
  const v2 = await startCourseSeats(store, { ...courseSeats, version: 2 })
  const old = await v1.done // resolves when v1 retires: { state: 'retired', active: false, … }
  if (old.state === 'retired') await store.driver.query(`DROP TABLE ${seatsTable(old.version)}`, [])
  return v2
}
// #endregion rebuild

// #region reset
/**
 * Moves a version's checkpoint while no runner has it: holding the lease keeps runners (here and
 * in other processes) from starting meanwhile. The next run starts after `cursor`.
 */
export async function resetProjection(
  projections: ProjectionStore<unknown>,
  name: string,
  version: number,
  cursor: GlobalCursor = START, // START replays everything
): Promise<void> {
  const lease = await projections.tryLease(name, version)
  if (!lease) throw new Error(`${name}@${version} has a runner: stop it first`)
  try {
    await projections.reset(name, version, cursor)
  } finally {
    await lease.release()
  }
}

/**
 * Skips the event a version stopped on ('failed', policy 'stop'). Its checkpoint sits just before
 * that event, so moving it to the event's own cursor makes the next run start after it.
 */
export async function skipFailedEvent(
  store: EventStore,
  projections: ProjectionStore<unknown>,
  name: string,
  version: number,
): Promise<RecordedEvent | undefined> {
  const { state, lastError, cursor } = await projections.load(name, version)
  if (state !== 'failed' || lastError?.eventId === undefined) return undefined
  let page = await store.readAll({ after: cursor })
  while (page.events.length > 0) {
    const failed = page.events.find((e) => e.eventId === lastError.eventId)
    if (failed) {
      await resetProjection(projections, name, version, cursorOf(failed))
      return failed
    }
    page = await store.readAll({ after: page.cursor })
  }
  return undefined
}
// #endregion reset

// #region status
/** A readiness check: no projection has failed, and every active one is at most `maxSeconds` behind. */
export async function projectionsReady(
  store: EventStore,
  projections: ProjectionStore<unknown>,
  maxSeconds = 5,
): Promise<{ ready: boolean; problems: string[] }> {
  const problems: string[] = []
  for (const s of await projectionStatus(store, projections, { cap: 1000 })) {
    const which = `${s.name}@${s.version}`
    if (s.state === 'failed') problems.push(`${which} failed on event ${s.lastError?.eventId}: ${s.lastError?.message}`)
    else if (s.active && s.secondsBehind > maxSeconds) {
      const events = `${s.eventsBehindCapped ? 'at least ' : ''}${s.eventsBehind} events`
      problems.push(`${which} is ${s.secondsBehind.toFixed(1)} s (${events}) behind`)
    }
  }
  return { ready: problems.length === 0, problems }
}
// #endregion status

// #region lag
/** A gauge as a metrics library offers it. EventCore's metrics come later; any callback will do. */
export type SetGauge = (name: string, labels: Readonly<Record<string, string>>, value: number) => void

/** Runs a projection and reports `eventcore_projection_lag_seconds` after every batch. */
export function runWithLag<Tx>(
  options: RunProjectionOptions<Tx>,
  setGauge: SetGauge,
  log: (line: string) => void = console.info,
): ProjectionRunner {
  return runProjection({
    ...options,
    observer: {
      onBatch: ({ projection, version, lagSeconds }) =>
        setGauge('eventcore_projection_lag_seconds', { projection, version: String(version) }, lagSeconds),
      onState: ({ projection, version, state }) => log(`projection ${projection}@${version} is ${state}`),
    },
  })
}
// #endregion lag
