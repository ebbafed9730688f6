// Runs every example the docs quote and checks what it does. One in-memory PGlite serves the
// examples that need SQL (creating one costs seconds); PostgreSQL examples run when
// EVENTCORE_TEST_DATABASE_URL is set, as in CI.
import {
  BusinessRuleError,
  ConcurrencyError,
  createExecutor,
  type EventStore,
  event,
  START,
  StoreUnavailableError,
  TimeoutError,
  ValidationError,
} from '@eventcore/core'
import { createMemoryStore } from '@eventcore/core/memory'
import { migrate, migrations, type PgliteEventStore, pgDriver, schemaName } from '@eventcore/postgres'
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
    const result = await smallMemoryStore().append([
      { streamId: 's', events: [{ type: 'Big', data: 'x'.repeat(70_000) }] },
    ])
    expect(result).toMatchObject({ ok: false, error: { code: 'ERR_EVENTCORE_VALIDATION' } })
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

describe.runIf(databaseUrl)('on PostgreSQL', () => {
  const schema = `docs_examples_${process.pid}_${Date.now().toString(36)}`
  const admin = new pg.Pool({ connectionString: databaseUrl, max: 2 })
  afterAll(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await admin.end()
  })

  it('opens the store from the environment', async () => {
    const store = await openStore({ EVENTCORE_DATABASE_URL: databaseUrl })
    expect(store.schema.name).toBe('eventcore')
    await store.close()
  })

  it('refuses to start on a schema that was not migrated, then starts once it is', async () => {
    const url = databaseUrl as string
    await expect(openWithoutMigrating(url, schema)).rejects.toThrow('run the migrations first')
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
