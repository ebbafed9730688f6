// Runs every example the docs quote and checks what it does. One in-memory PGlite serves the
// examples that need SQL (creating one costs seconds); PostgreSQL examples run when
// EVENTCORE_TEST_DATABASE_URL is set, as in CI.
import {
  BusinessRuleError,
  ConcurrencyError,
  createExecutor,
  createMemoryProjectionStore,
  createUpcaster,
  cursorOf,
  type EventStore,
  event,
  type GlobalCursor,
  type RecordedEvent,
  runProjection,
  START,
  StoreUnavailableError,
  TimeoutError,
  ValidationError,
} from '@eventcore/core'
import { createMemoryStore } from '@eventcore/core/memory'
import {
  createSqlProjectionStore,
  migrate,
  openPgliteStore,
  openPostgresStore,
  type PgliteEventStore,
  schemaName,
} from '@eventcore/postgres'
import { migrations, pgDriver, readAll, withTransaction } from '@eventcore/postgres/store-kit'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { acceptPlacement, castAway, openTaughtCourse, withEventHelper } from './commands.js'
import { enroll, openCourse } from './enrollment.js'
import { countingExecutor, defaultExecutor, enrollForRequest, testExecutor } from './executor.js'
import {
  alreadyHandled,
  catchUp,
  loadCursor,
  pairDeliversB,
  positionOnlyLosesB,
  projectSeats,
  saveCursor,
} from './global-order.js'
import {
  countEnrollments,
  courseSeats,
  invoices,
  parkedInvoices,
  projectionsReady,
  rebuildCourseSeats,
  runWithLag,
  seatsLeft,
  skipFailedEvent,
  startCourseSeats,
  startInvoices,
} from './projections.js'
import { explain, quickStart, quickStartOnPglite } from './quick-start.js'
import {
  appendBadInput,
  appendDirectly,
  appendTwice,
  listenOnPglite,
  listenOnPostgres,
  openStore,
  openWithoutMigrating,
  secondSchema,
  smallMemoryStore,
} from './stores.js'
import { type CursorStore, keepMailing, staleOnAppend, startMailer } from './subscriptions.js'
import {
  memoryStore,
  pgliteStore,
  postgresStore,
  readInTransaction,
  registerStudent,
  STUDENT_REGISTERED_VERSION,
  studentUpcasters,
} from './upcasting.js'

const databaseUrl = process.env.EVENTCORE_TEST_DATABASE_URL

/** A memory store whose next appends first run `before` (a competing writer). */
function interfering(store: EventStore, before: Array<() => Promise<unknown>>): EventStore {
  return {
    ...store,
    async append(writes, options) {
      await before.shift()?.()
      return store.append(writes, options)
    },
  }
}

const quickStartLines = [
  'open algebra: ok: 1 event(s) written in 1 attempt(s)',
  'ada: course at version 2, student at 1',
  'bob: algebra has no seats left',
]

let pglite: PgliteEventStore
beforeAll(async () => {
  const store = await openStore({ EVENTCORE_DATA_DIR: 'memory://' }) // the PGlite branch
  if (!('db' in store)) throw new Error('expected the PGlite store')
  pglite = store as PgliteEventStore
})
afterAll(async () => {
  await pglite?.close()
})

describe('quick start', () => {
  it('runs on the memory store', async () => {
    expect(await quickStart()).toEqual(quickStartLines)
  })

  it('runs on PGlite', async () => {
    expect(await quickStartOnPglite({ db: pglite.db, schema: 'quick_start' })).toEqual(quickStartLines)
  })

  it('explains every kind of failure', () => {
    expect(explain({ ok: false, error: new BusinessRuleError('course-full', 'no seats') })).toBe(
      'refused (course-full): no seats',
    )
    const conflict = new ConcurrencyError([{ streamId: 'course-a', expected: 3, actual: 4 }], 10)
    expect(explain({ ok: false, error: conflict })).toBe('busy: course-a changed 10 times')
    expect(explain({ ok: false, error: new ValidationError([{ path: 'x', message: 'bad' }]) })).toBe(
      'invalid (ERR_EVENTCORE_VALIDATION): x: bad',
    )
    expect(explain({ ok: false, error: new TimeoutError(5000) })).toBe('timed out after 5000 ms')
    const down = new StoreUnavailableError('append failed (57P01): terminating connection', { transient: true })
    expect(explain({ ok: false, error: down })).toBe('store unavailable: append failed (57P01): terminating connection')
  })

  it('gives the last seat to exactly one of ten racing students', async () => {
    const executor = createExecutor({ store: createMemoryStore() })
    await executor.execute(openCourse, { courseId: 'c', title: 'C', seats: 3 })
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => executor.execute(enroll, { courseId: 'c', studentId: `s${i}` })),
    )
    expect(results.filter((r) => r.ok)).toHaveLength(3)
    const refused = results.flatMap((r) => (r.ok ? [] : [r.error]))
    expect(refused.every((e) => e.kind === 'business-rule' && e.rule === 'course-full')).toBe(true)
  })
})

describe('commands', () => {
  it('checks a read-only stream and decides again when it moved', async () => {
    const memory = createMemoryStore()
    const certify = event('TeacherCertified', { subject: 'algebra' })
    await memory.append([{ streamId: 'teacher-t1', events: [certify] }])
    const revoke = () =>
      memory.append([{ streamId: 'teacher-t1', events: [event('CertificationRevoked', { reason: 'lapsed' })] }])
    const executor = createExecutor({ store: interfering(memory, [revoke]) })
    const result = await executor.execute(openTaughtCourse, { courseId: 'algebra', teacherId: 't1', seats: 5 })
    expect(result).toMatchObject({ ok: false, error: { kind: 'business-rule', rule: 'teacher-not-certified' } })
    expect(await memory.streamVersion('course-algebra')).toBe(0)

    await memory.append([{ streamId: 'teacher-t1', events: [certify] }])
    const again = await createExecutor({ store: memory }).execute(openTaughtCourse, {
      courseId: 'algebra',
      teacherId: 't1',
      seats: 5,
    })
    expect(again).toMatchObject({ ok: true, versions: { course: 1, teacher: 3 } })
  })

  it('reads the stream it discovers, and does nothing the second time', async () => {
    const store = createMemoryStore()
    const executor = createExecutor({ store })
    await executor.execute(openCourse, { courseId: 'algebra', title: 'Algebra I', seats: 2 })
    await store.append([{ streamId: 'student-ada', events: [event('PlacementOffered', { courseId: 'algebra' })] }])
    const first = await executor.execute(acceptPlacement, { studentId: 'ada' })
    expect(first).toMatchObject({ ok: true, versions: { student: 2, course: 2 } })
    const second = await executor.execute(acceptPlacement, { studentId: 'ada' })
    expect(second).toMatchObject({ ok: true, events: [], versions: { student: 2, course: 2 } })
  })

  it('writes with the event() helper', async () => {
    const result = await createExecutor({ store: createMemoryStore() }).execute(withEventHelper, { courseId: 'x' })
    expect(result).toMatchObject({ ok: true, events: [{ type: 'SeatTaken', streamId: 'course-x' }] })
  })

  it('refuses an undeclared stream at run time', async () => {
    const store = createMemoryStore()
    const result = await createExecutor({ store }).execute(castAway, { courseId: 'x' })
    expect(result).toMatchObject({ ok: false, error: { kind: 'validation', code: 'ERR_EVENTCORE_UNDECLARED_STREAM' } })
    expect(await store.streamVersion('audit')).toBe(0)
  })
})

describe('executor', () => {
  it('runs with the default options spelled out', async () => {
    const executor = defaultExecutor(createMemoryStore())
    expect((await executor.execute(openCourse, { courseId: 'a', title: 'A', seats: 1 })).ok).toBe(true)
  })

  it('copies the execution context into every event', async () => {
    const store = createMemoryStore()
    const executor = testExecutor(store)
    await executor.execute(openCourse, { courseId: 'algebra', title: 'Algebra I', seats: 1 })
    const result = await enrollForRequest(executor, { id: 'req-42', userId: 'ada' })
    if (!result.ok) throw result.error
    expect(result.events.map((e) => e.metadata)).toEqual(
      Array(2).fill({
        tenant: 'north-campus',
        correlationId: 'req-42',
        causationId: 'req-42',
        actor: 'ada',
        occurredAt: '2030-01-01T09:00:00.000Z',
        command: 'enroll',
      }),
    )
  })

  it('reports retries and outcomes', async () => {
    const { executor, outcomes, retries } = countingExecutor(createMemoryStore())
    await executor.execute(openCourse, { courseId: 'c', title: 'C', seats: 2 })
    await Promise.all(
      Array.from({ length: 6 }, (_, i) => executor.execute(enroll, { courseId: 'c', studentId: `s${i}` })),
    )
    expect(Object.fromEntries(outcomes)).toEqual({
      'open-course/success': 1,
      'enroll/success': 2,
      'enroll/business-rule': 4,
    })
    expect(retries()).toBeGreaterThan(0)
  })
})

describe('stores', () => {
  it('enforces the limits given to the memory store', async () => {
    const append = smallMemoryStore().append([{ streamId: 's', events: [{ type: 'Big', data: 'x'.repeat(70_000) }] }])
    await expect(append).rejects.toMatchObject({ code: 'ERR_EVENTCORE_VALIDATION' })
  })

  it('appends to two streams while checking a third, then reports the conflicts', async () => {
    const store = createMemoryStore()
    expect(await appendDirectly(store)).toBe('course-physics@1, student-ada@1')
    expect(await appendDirectly(store)).toBe('course-physics: expected no-stream, found 1')
  })

  it('stores a retried batch once', async () => {
    expect(await appendTwice(createMemoryStore())).toEqual({ first: false, retry: true, events: 1 })
    expect(await appendTwice(pglite)).toEqual({ first: false, retry: true, events: 1 })
  })

  it('lists the problems of bad input', async () => {
    expect(await appendBadInput(createMemoryStore())).toEqual(['writes.0.streamId', 'writes.0.events.0.data.at'])
  })

  it('shares one PGlite between schemas and announces appends', async () => {
    const archive = await secondSchema(pglite)
    let woken = 0
    const unlisten = await listenOnPglite(archive, () => woken++)
    await archive.append([{ streamId: 'x', events: [{ type: 'Noted', data: {} }] }])
    await expect.poll(() => woken).toBe(1)
    await unlisten()
    await archive.close()
    expect(await archive.db.query('SELECT 1 AS one')).toMatchObject({ rows: [{ one: 1 }] }) // still open
  })
})

describe('global order', () => {
  it('catches up, persists and compares cursors', async () => {
    const store = createMemoryStore()
    await quickStart(store)
    const types: string[] = []
    const cursor = await catchUp(store, loadCursor(undefined), (e) => types.push(e.type))
    expect(types).toEqual(['CourseOpened', 'SeatTaken', 'EnrolledInCourse'])
    expect(loadCursor(saveCursor(cursor))).toEqual(cursor)
    const { events } = await store.readAll({ after: START })
    expect(events.map((e) => alreadyHandled(e, cursor))).toEqual([true, true, true])
    expect(await catchUp(store, cursor, () => types.push('again'))).toEqual(cursor)
    expect(positionOnlyLosesB && pairDeliversB).toBe(true)
  })

  it('projects seats with its cursor in the same transaction, applying nothing twice', async () => {
    const executor = createExecutor({ store: pglite })
    await executor.execute(openCourse, { courseId: 'biology', title: 'Biology', seats: 3 })
    await executor.execute(enroll, { courseId: 'biology', studentId: 'ada' })
    await executor.execute(enroll, { courseId: 'biology', studentId: 'bob' })
    expect(await projectSeats(pglite)).toBeGreaterThanOrEqual(5)
    expect(await projectSeats(pglite)).toBe(0)
    const seats = await pglite.driver.query<{ taken: number }>('SELECT taken FROM course_seats WHERE course_id = $1', [
      'course-biology',
    ])
    expect(seats).toEqual([{ taken: 2 }])
  })
})

/** A cursor store in memory, for the subscription examples. */
function cursorsInMemory(): CursorStore & { saved: () => GlobalCursor | undefined } {
  let saved: GlobalCursor | undefined
  return {
    load: async () => saved,
    save: async (cursor) => {
      saved = cursor
    },
    saved: () => saved,
  }
}

describe('subscriptions', () => {
  it('mails the backlog, then live enrollments, and resumes after the saved cursor', async () => {
    const store = createMemoryStore()
    const executor = createExecutor({ store })
    await executor.execute(openCourse, { courseId: 'algebra', title: 'Algebra I', seats: 5 })
    await executor.execute(enroll, { courseId: 'algebra', studentId: 'ada' })
    const cursors = cursorsInMemory()
    const sent: string[] = []
    const send = async (e: RecordedEvent) => {
      sent.push(e.streamId)
    }
    let stop = startMailer(store, cursors, send)
    await expect.poll(() => sent).toEqual(['student-ada'])
    await executor.execute(enroll, { courseId: 'algebra', studentId: 'bob' })
    await expect.poll(() => sent).toEqual(['student-ada', 'student-bob'])
    await stop()
    const last = (await store.readAll()).events.at(-1)
    expect(cursors.saved()).toEqual(last && cursorOf(last))

    await executor.execute(enroll, { courseId: 'algebra', studentId: 'cy' }) // while nobody follows
    stop = startMailer(store, cursors, send)
    await expect.poll(() => sent).toEqual(['student-ada', 'student-bob', 'student-cy'])
    await stop()
  })

  it('is woken by appends on PGlite', async () => {
    const store = await openPgliteStore({ db: pglite.db, schema: 'subscriptions' })
    const executor = createExecutor({ store })
    await executor.execute(openCourse, { courseId: 'algebra', title: 'Algebra I', seats: 5 })
    const sent: string[] = []
    const stop = startMailer(store, cursorsInMemory(), async (e) => {
      sent.push(e.streamId)
    })
    await executor.execute(enroll, { courseId: 'algebra', studentId: 'ada' })
    await expect.poll(() => sent).toEqual(['student-ada'])
    await stop()
    await store.close()
  })

  it('waits out an outage and goes on from its cursor', async () => {
    const memory = createMemoryStore()
    const executor = createExecutor({ store: memory })
    await executor.execute(openCourse, { courseId: 'algebra', title: 'Algebra I', seats: 5 })
    await executor.execute(enroll, { courseId: 'algebra', studentId: 'ada' })
    let outages = 1
    const flaky: EventStore = {
      ...memory,
      readAll: async (options) => {
        if (outages-- > 0) throw new StoreUnavailableError('readAll failed (57P01): restarting', { transient: true })
        return memory.readAll(options)
      },
    }
    const controller = new AbortController()
    const sent: string[] = []
    const logged: string[] = []
    const running = keepMailing(
      flaky,
      cursorsInMemory(),
      async (e) => {
        sent.push(e.streamId)
        controller.abort()
      },
      controller.signal,
      10,
      (line) => logged.push(line),
    )
    await running
    expect(sent).toEqual(['student-ada'])
    expect(logged).toHaveLength(1)
    expect(logged[0]).toMatch(/read failed 1 time\(s\) in a row, retrying in \d+ ms: .*57P01/)
  })

  it('marks a cache stale on every append', async () => {
    const store = createMemoryStore()
    const cache = staleOnAppend(store)
    cache.refreshed()
    expect(cache.stale()).toBe(false)
    await store.append([{ streamId: 'x', events: [{ type: 'Noted', data: {} }] }])
    await expect.poll(() => cache.stale()).toBe(true)
    cache.stop()
  })
})

describe('projections', () => {
  let store: PgliteEventStore
  beforeAll(async () => {
    store = await openPgliteStore({ db: pglite.db, schema: 'projections' })
  })
  afterAll(async () => {
    await store?.close()
  })

  it('builds the seats table, rebuilds it as version 2 and reads from the new one', async () => {
    const executor = createExecutor({ store })
    await executor.execute(openCourse, { courseId: 'algebra', title: 'Algebra I', seats: 3 })
    await executor.execute(enroll, { courseId: 'algebra', studentId: 'ada' })
    expect(await seatsLeft(store, 'algebra')).toBeUndefined() // nothing active yet
    const v1 = await startCourseSeats(store)
    await expect.poll(() => seatsLeft(store, 'algebra')).toBe(2)
    await executor.execute(enroll, { courseId: 'algebra', studentId: 'bob' })
    await expect.poll(() => seatsLeft(store, 'algebra')).toBe(1)

    const v2 = await rebuildCourseSeats(store, v1)
    const checkpoints = await createSqlProjectionStore(store).list()
    expect(checkpoints.filter((c) => c.name === courseSeats.name)).toMatchObject([
      { version: 1, state: 'retired', active: false, processed: 3 }, // CourseOpened, SeatTaken × 2
      { version: 2, state: 'running', active: true, processed: 3 },
    ])
    expect(await seatsLeft(store, 'algebra')).toBe(1)
    await expect(store.driver.query('SELECT 1 FROM course_seats_v1', [])).rejects.toThrow() // dropped
    expect(await v2.stop()).toMatchObject({ state: 'stopped', active: true })
  })

  it('parks an enrollment it cannot invoice and goes on', async () => {
    const executor = createExecutor({ store })
    await executor.execute(openCourse, { courseId: 'chemistry', title: 'Chemistry', seats: 3 })
    await executor.execute(enroll, { courseId: 'chemistry', studentId: 'cy' })
    await executor.execute(enroll, { courseId: 'algebra', studentId: 'cy' })
    const runner = await startInvoices(store)
    await expect
      .poll(async () => (await createSqlProjectionStore(store).load('invoices', 1)).processed, { timeout: 5000 })
      .toBe(3)
    await runner.stop()
    const parked = await parkedInvoices(store)
    expect(parked).toHaveLength(1)
    expect(parked[0]).toMatch(/^v1 \S+ \(position \d+\): no price for course chemistry, 3 tries$/)
    expect(await store.driver.query('SELECT student_id, amount FROM invoices ORDER BY student_id', [])).toEqual([
      { student_id: 'student-ada', amount: 300 },
      { student_id: 'student-bob', amount: 300 },
      { student_id: 'student-cy', amount: 300 },
    ])
  })

  it('skips the event a stopped projection failed on', async () => {
    const projections = createSqlProjectionStore(store)
    const strict = { ...invoices, name: 'strict-invoices', failure: { maxAttempts: 1, onExhausted: 'stop' as const } }
    const failed = await runProjection({ store, projections, projection: strict }).done
    expect(failed).toMatchObject({
      state: 'failed',
      processed: 2,
      lastError: { message: 'no price for course chemistry' },
    })
    const skipped = await skipFailedEvent(store, projections, 'strict-invoices', 1)
    expect(skipped).toMatchObject({ type: 'EnrolledInCourse', data: { courseId: 'chemistry' } })
    const runner = runProjection({ store, projections, projection: strict })
    await expect.poll(async () => (await projections.load('strict-invoices', 1)).processed).toBe(3)
    expect(await runner.stop()).toMatchObject({ state: 'stopped', lastError: undefined })
  })
})

describe('projections in memory, status and lag', () => {
  it('counts enrollments in memory', async () => {
    const store = createMemoryStore()
    const executor = createExecutor({ store })
    await executor.execute(openCourse, { courseId: 'algebra', title: 'Algebra I', seats: 5 })
    const { counts, runner } = countEnrollments(store)
    await executor.execute(enroll, { courseId: 'algebra', studentId: 'ada' })
    await executor.execute(enroll, { courseId: 'algebra', studentId: 'bob' })
    await expect.poll(() => counts.get('algebra')).toBe(2)
    await runner.stop()
  })

  it('reports lag after every batch, and readiness from the status', async () => {
    const minuteAgo = () => new Date(Date.now() - 60_000)
    const store = createMemoryStore({ clock: minuteAgo })
    for (let i = 0; i < 5; i++) await store.append([{ streamId: `s-${i}`, events: [{ type: 'Noted', data: { i } }] }])
    const projections = createMemoryProjectionStore()
    const lags: number[] = []
    const lines: string[] = []
    const runner = runWithLag(
      { store, projections, projection: { name: 'notes', version: 1, handle: () => {} }, batchSize: 2 },
      (name, labels, value) => {
        if (name === 'eventcore_projection_lag_seconds' && labels.projection === 'notes') lags.push(value)
      },
      (line) => lines.push(line),
    )
    await expect.poll(() => lags.length).toBe(3)
    await runner.stop()
    expect(lags[0]).toBeGreaterThan(50) // a full batch: the newest event applied is a minute old
    expect(lags.at(-1)).toBe(0) // the last, partial batch: caught up
    // 'running' when it starts, again when it catches up and becomes the active version, then 'stopped'
    expect(lines).toEqual([
      'projection notes@1 is running',
      'projection notes@1 is running',
      'projection notes@1 is stopped',
    ])
    expect(await projectionsReady(store, projections)).toEqual({ ready: true, problems: [] })

    await store.append([{ streamId: 's-late', events: [{ type: 'Noted', data: {} }] }]) // nobody applies it
    const failing = runProjection({
      store,
      projections,
      projection: {
        name: 'broken',
        version: 1,
        handle: () => Promise.reject(new Error('boom')),
        failure: { maxAttempts: 1 },
      },
    })
    const { lastError } = await failing.done
    const { ready, problems } = await projectionsReady(store, projections)
    expect(ready).toBe(false)
    expect(problems).toEqual([
      expect.stringMatching(/^notes@1 is 6\d\.\d s \(1 events\) behind$/),
      `broken@1 failed on event ${lastError?.eventId}: boom`,
    ])
  })
})

describe('upcasting', () => {
  const v1 = { type: 'StudentRegistered', schemaVersion: 1, data: { name: 'Ada King Lovelace' } }
  const v2 = { type: 'StudentRegistered', schemaVersion: 2, data: { firstName: 'Bob', lastName: 'Ross' } }
  const current = [
    { schemaVersion: 3, data: { firstName: 'Ada', lastName: 'King Lovelace', locale: 'en' } },
    { schemaVersion: 3, data: { firstName: 'Bob', lastName: 'Ross', locale: 'fr' } },
    { schemaVersion: 3, data: { firstName: 'Cy', lastName: 'Young', locale: 'en' } },
  ]

  async function registerThree(store: EventStore) {
    await store.append([
      { streamId: 'student-ada', events: [v1] },
      { streamId: 'student-bob', events: [{ ...v2, metadata: { locale: 'fr' } }] },
    ])
    const executor = createExecutor({ store })
    const cy = await executor.execute(registerStudent, { studentId: 'cy', firstName: 'Cy', lastName: 'Young' })
    expect(cy).toMatchObject({ ok: true, events: [{ schemaVersion: STUDENT_REGISTERED_VERSION }] })
    // The command reads the old event in its current shape, and refuses to register Ada again.
    const again = await executor.execute(registerStudent, { studentId: 'ada', firstName: 'A', lastName: 'L' })
    expect(again).toMatchObject({ ok: false, error: { rule: 'student-exists' } })
  }

  it('reads old events in the current shape from the memory store', async () => {
    const store = memoryStore()
    await registerThree(store)
    expect((await store.readAll()).events).toMatchObject(current)
    expect((await store.readStream('student-ada')).events).toMatchObject([current[0]])
  })

  it('reads them so from PGlite too, and upcasts what the SQL operations read', async () => {
    const store = await pgliteStore({ db: pglite.db, schema: 'upcasting' })
    await registerThree(store)
    expect((await store.readAll()).events).toMatchObject(current)
    expect((await store.readStreams(['student-bob'])).get('student-bob')?.events).toMatchObject([current[1]])
    const raw = await withTransaction(store.driver, (tx) => readAll(tx, store.schema, { after: START, limit: 10 }))
    expect(raw.events[0]).toMatchObject(v1) // as stored
    expect(await withTransaction(store.driver, (tx) => readInTransaction(tx, store))).toMatchObject(current)
    await store.close()
  })

  it('refuses two upcasters for one step', () => {
    expect(() => createUpcaster([...studentUpcasters, ...studentUpcasters])).toThrow(
      'two upcasters for StudentRegistered version 1',
    )
  })
})

describe.runIf(databaseUrl)('on PostgreSQL', () => {
  const schema = `docs_examples_${process.pid}_${Date.now().toString(36)}`
  const admin = new pg.Pool({ connectionString: databaseUrl, max: 2 })
  afterAll(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}_wake" CASCADE`)
    await admin.end()
  })

  it("wakes a store's onAppend listeners with another process's appends", async () => {
    const url = databaseUrl as string
    // Two stores with pools of their own stand for two processes.
    const reader = await openPostgresStore({ connectionString: url, schema: `${schema}_wake`, poolSize: 2 })
    const writer = await openPostgresStore({ connectionString: url, schema: `${schema}_wake`, poolSize: 2 })
    const cache = staleOnAppend(reader)
    await new Promise((resolve) => setTimeout(resolve, 200)) // the LISTEN connection is up
    cache.refreshed()
    await writer.append([{ streamId: 'x', events: [{ type: 'Noted', data: {} }] }])
    await expect.poll(() => cache.stale(), { timeout: 3000 }).toBe(true)
    cache.stop()
    await writer.close()
    await reader.close()
  })

  it('opens the PostgreSQL store with upcasters', async () => {
    const store = await postgresStore(databaseUrl as string)
    expect(store.schema.name).toBe('eventcore')
    await store.close()
  })

  it('opens the store from the environment', async () => {
    const store = await openStore({ EVENTCORE_DATABASE_URL: databaseUrl })
    expect(store.schema.name).toBe('eventcore')
    await store.close()
  })

  it('refuses to start on a schema that was not migrated, then starts once it is', async () => {
    const url = databaseUrl as string
    await expect(openWithoutMigrating(url, schema)).rejects.toThrow(/is not migrated .*\(eventcore-cli migrate\)/)
    const driver = pgDriver(admin, { ownsPool: false })
    expect(await migrate(driver, schemaName(schema))).toEqual({ applied: migrations.map((m) => m.version) })
    const store = await openWithoutMigrating(url, schema)
    let woken = 0
    const unlisten = await listenOnPostgres(store, () => woken++)
    await store.append([{ streamId: 'x', events: [{ type: 'Noted', data: {} }] }])
    await expect.poll(() => woken).toBe(1)
    await unlisten()
    await store.close()
  })
})
