import {
  createExecutor,
  type ProjectionRunner,
  projectionStatus,
  runProjection,
  uuidv7,
  ValidationError,
} from '@eventcore/core'
import { createSqlProjectionStore, type SqlEventStore } from '@eventcore/postgres'
import { describe, expect, it } from 'vitest'
import { deactivateUser, registerUser, updateUser } from './commands.js'
import { ensureUsersReadModel, listUsers, USERS_PROJECTION, usersProjection, usersTable } from './read-model.js'
import { userStream } from './streams.js'
import { databaseUrl, pgliteStores, postgresStores } from './test-stores.js'
import { type User, userFromStream } from './user.js'
import { encodeUserCursor } from './user-cursor.js'

const CATCH_UP_MS = 10_000

/** A clock that moves one second per reading, so every event has its own time. */
function steppingClock(start = Date.parse('2025-01-01T00:00:00.000Z')): () => Date {
  let now = start
  return () => {
    now += 1000
    return new Date(now)
  }
}

/** A promise and the function that resolves it. */
function signal(): { promise: Promise<void>; fire: () => void } {
  let fire = () => {}
  const promise = new Promise<void>((resolve) => {
    fire = resolve
  })
  return { promise, fire }
}

/** Starts the users projection with a way to wait until it has applied everything written so far. */
function startUsers(store: SqlEventStore): { runner: ProjectionRunner; caughtUp: () => Promise<void> } {
  const projections = createSqlProjectionStore(store)
  let batch = signal()
  const runner = runProjection({
    store,
    projections,
    projection: usersProjection(store),
    batchSize: 4, // several batches, so a user's events are split across them
    observer: {
      onBatch: () => {
        batch.fire()
        batch = signal()
      },
    },
  })
  const caughtUp = async () => {
    const deadline = Date.now() + CATCH_UP_MS
    for (;;) {
      const next = batch.promise // taken before looking, so a batch in between is not missed
      const status = (await projectionStatus(store, projections)).find((s) => s.name === USERS_PROJECTION.name)
      if (status?.state === 'failed') throw new Error(`users projection failed: ${status.lastError?.message}`)
      if (status && status.eventsBehind === 0 && status.processed > 0) return
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`users projection did not catch up within ${CATCH_UP_MS} ms`)
      let timer: ReturnType<typeof setTimeout> | undefined
      await Promise.race([next, new Promise((resolve) => (timer = setTimeout(resolve, left)))])
      clearTimeout(timer)
    }
  }
  return { runner, caughtUp }
}

async function allPages(store: SqlEventStore, limit: number): Promise<User[][]> {
  const pages: User[][] = []
  let after: string | undefined
  do {
    const page = await listUsers(store, after === undefined ? { limit } : { limit, after })
    pages.push(page.users)
    after = page.next
  } while (after !== undefined && pages.length < 100)
  return pages
}

function describeReadModel(name: string, open: () => Promise<SqlEventStore>) {
  describe(`users read model on ${name}`, () => {
    it('lists users page by page in creation order with their latest values', async () => {
      const store = await open()
      await ensureUsersReadModel(store)
      const executor = createExecutor({ store, clock: steppingClock() })
      const ids: [string, string, string, string, string] = [uuidv7(), uuidv7(), uuidv7(), uuidv7(), uuidv7()]
      for (const [i, userId] of ids.entries()) {
        const result = await executor.execute(registerUser, {
          userId,
          email: `User${i}@Example.com`,
          firstName: `First${i}`,
          lastName: `Last${i}`,
        })
        expect(result.ok).toBe(true)
      }
      const { runner, caughtUp } = startUsers(store)
      try {
        const [, second, , fourth] = ids
        const updated = await executor.execute(updateUser, {
          userId: second,
          firstName: 'Grace',
          email: 'grace@example.com',
          expectedVersion: 1,
        })
        expect(updated).toMatchObject({ ok: true, versions: { user: 3 } })
        expect((await executor.execute(deactivateUser, { userId: fourth })).ok).toBe(true)
        await caughtUp()

        const fromStreams = await Promise.all(
          [...ids].sort().map(async (id) => userFromStream(await store.readStream(userStream(id)))),
        )
        const pages = await allPages(store, 2)
        expect(pages.map((page) => page.length)).toEqual([2, 2, 1])
        expect(pages.flat()).toEqual(fromStreams)
        expect(pages.flat().find((u) => u.id === second)).toMatchObject({
          firstName: 'Grace',
          lastName: 'Last1',
          email: 'grace@example.com',
          version: 3,
          createdAt: '2025-01-01T00:00:02.000Z',
        })

        const deactivated = await listUsers(store, { limit: 10, status: 'deactivated' })
        expect(deactivated).toEqual({ users: [expect.objectContaining({ id: fourth })], next: undefined })
        expect((await listUsers(store, { limit: 10, status: 'active' })).users).toHaveLength(4)
        expect(await listUsers(store, { limit: 5 })).toMatchObject({ next: undefined })
      } finally {
        await runner.stop()
      }
    })

    it('rejects a malformed cursor, limit or status with a validation error naming the field', async () => {
      const store = await open()
      await ensureUsersReadModel(store)
      for (const after of ['not a cursor!', 'QQ==', '', '_-_-', encodeUserCursor('u1').slice(0, -1)]) {
        const listing = listUsers(store, { limit: 2, after })
        await expect(listing, after).rejects.toBeInstanceOf(ValidationError)
        await expect(listUsers(store, { limit: 2, after }), after).rejects.toMatchObject({
          issues: [{ path: 'after' }],
        })
      }
      await expect(listUsers(store, { limit: 0 })).rejects.toMatchObject({ issues: [{ path: 'limit' }] })
      await expect(listUsers(store, { limit: 2.5 })).rejects.toMatchObject({ issues: [{ path: 'limit' }] })
      expect(await listUsers(store, { limit: 2, after: encodeUserCursor('u1') })).toEqual({
        users: [],
        next: undefined,
      })
    })

    it('changes nothing when a batch is applied again, whole or in part', async () => {
      const store = await open()
      await ensureUsersReadModel(store)
      const executor = createExecutor({ store, clock: steppingClock() })
      const userId = uuidv7()
      await executor.execute(registerUser, { userId, email: 'a@example.com', firstName: 'A', lastName: 'B' })
      await executor.execute(updateUser, { userId, firstName: 'C', email: 'c@example.com' })
      await executor.execute(deactivateUser, { userId })
      const { events } = await store.readAll()
      const { handleBatch } = usersProjection(store)
      const apply = async (batch: typeof events) => handleBatch?.(batch, { tx: store.driver, version: 1 })
      const rows = () => store.driver.query(`SELECT * FROM ${usersTable(store)}`, [])

      await apply(events)
      const once = await rows()
      await apply(events)
      await apply(events.slice(0, 2))
      expect(await rows()).toEqual(once)
      expect(once).toMatchObject([{ id: userId, first_name: 'C', email: 'c@example.com', status: 'deactivated' }])
    })

    it('creates the table once when several replicas start together', async () => {
      const store = await open()
      await Promise.all(Array.from({ length: 5 }, () => ensureUsersReadModel(store)))
      await ensureUsersReadModel(store)
      expect(await listUsers(store, { limit: 1 })).toEqual({ users: [], next: undefined })
    })
  })
}

const lite = pgliteStores()
describeReadModel('PGlite', lite.open)

describe.runIf(databaseUrl)('PostgreSQL', () => {
  const stores = postgresStores()
  describeReadModel('PostgreSQL', stores.open)
})
