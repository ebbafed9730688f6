// The operator's operations on projections (move a checkpoint, retry and drop dead letters) and
// readLatest, on PGlite and (with EVENTCORE_TEST_DATABASE_URL) PostgreSQL.
import { cursorOf, event, START } from '@eventcore/core'
import { afterAll, describe, expect, it } from 'vitest'
import { cursorAtPosition, dropDeadLetters, moveProjectionCheckpoint, retryDeadLetters } from './projection-admin.js'
import { readLatest } from './sql/read-latest.js'
import { createSqlProjectionStore } from './sql-projections.js'
import type { SqlEventStore } from './sql-store.js'
import { databaseUrl, pgliteStores, postgresStores } from './test-database.js'

const lite = pgliteStores(afterAll)
const postgres = postgresStores(afterAll)

/** A store with five events and a projection `p@1` past all of them, two of them parked. */
async function parkedTwo(store: SqlEventStore) {
  const appended = await store.append([
    { streamId: 'a-1', events: [event('A', {}), event('B', {}), event('A', {}), event('B', {}), event('A', {})] },
  ])
  if (!appended.ok) throw appended.error
  const events = appended.events
  const projections = createSqlProjectionStore(store)
  await projections.load('p', 1)
  const last = events.at(-1)
  if (!last) throw new Error('no events')
  for (const parked of [events[1], events[3]]) {
    if (!parked) throw new Error('missing')
    await projections.commit(
      'p',
      1,
      {
        from: (await projections.load('p', 1)).cursor,
        to: cursorOf(parked),
        processed: 0,
        deadLetter: {
          projection: 'p',
          version: 1,
          eventId: parked.eventId,
          globalPosition: parked.globalPosition,
          error: 'boom',
          attempts: 1,
        },
      },
      async () => {},
    )
  }
  await projections.reset('p', 1, cursorOf(last))
  await projections.setState('p', 1, 'failed', { message: 'boom', eventId: events[3]?.eventId, at: new Date() })
  return { events, projections }
}

const stores: [string, () => Promise<SqlEventStore>][] = [['PGlite', lite.open]]
if (databaseUrl) stores.push(['PostgreSQL', postgres.open])

describe.each(stores)('projection administration on %s', (_name, open) => {
  it('moves a checkpoint, clears only a failed state, and resets the count when asked', async () => {
    const store = await open()
    const { events, projections } = await parkedTwo(store)
    const first = events[0]
    if (!first) throw new Error('no event')
    const move = await moveProjectionCheckpoint(store, { name: 'p', version: 1, to: cursorOf(first) })
    expect(move).toMatchObject({
      from: cursorOf(events[4] ?? first),
      to: cursorOf(first),
      stateBefore: 'failed',
      stateAfter: 'idle',
    })
    expect(await projections.load('p', 1)).toMatchObject({
      cursor: cursorOf(first),
      state: 'idle',
      lastError: undefined,
    })
    await projections.setState('p', 1, 'running')
    await moveProjectionCheckpoint(store, { name: 'p', version: 1, to: START, resetProcessed: true })
    expect(await projections.load('p', 1)).toMatchObject({ cursor: START, state: 'running', processed: 0 })
    expect(await moveProjectionCheckpoint(store, { name: 'nope', version: 1, to: START })).toBeUndefined()
    expect(await cursorAtPosition(store, first.globalPosition)).toEqual(cursorOf(first))
    expect(await cursorAtPosition(store, 99_999_999)).toBeUndefined()
    await store.close()
  })

  it('retries from just before the earliest chosen dead letter, taking the later ones too, never moving forward', async () => {
    const store = await open()
    const { events, projections } = await parkedTwo(store)
    const [, second, , fourth] = events
    if (!second || !fourth) throw new Error('no events')
    // The later one only: the checkpoint goes back to just before it; the earlier stays parked.
    const one = await retryDeadLetters(store, { name: 'p', version: 1, eventId: fourth.eventId })
    expect(one.retried.map((d) => d.eventId)).toEqual([fourth.eventId])
    expect(one.move?.to).toEqual({ transactionId: fourth.transactionId, position: fourth.globalPosition - 1 })
    expect((await projections.deadLetters('p')).map((d) => d.eventId)).toEqual([second.eventId])
    // From the earlier one: the replay covers everything after it.
    const all = await retryDeadLetters(store, { name: 'p', version: 1, eventId: second.eventId })
    expect(all.retried.map((d) => d.eventId)).toEqual([second.eventId])
    expect((await projections.load('p', 1)).cursor).toEqual({
      transactionId: second.transactionId,
      position: second.globalPosition - 1,
    })
    // Parked again and retried while the checkpoint is already before it: it stays where it is.
    await moveProjectionCheckpoint(store, { name: 'p', version: 1, to: START })
    await store.driver.query(
      `INSERT INTO ${store.schema.quoted}.dead_letters (projection, version, event_id, global_position, error, attempts)
       VALUES ('p', 1, $1, $2, 'boom', 1)`,
      [fourth.eventId, fourth.globalPosition],
    )
    expect((await retryDeadLetters(store, { name: 'p', version: 1 })).move?.to).toEqual(START)
    expect(await retryDeadLetters(store, { name: 'p', version: 1 })).toEqual({ retried: [], move: undefined })
    await store.close()
  })

  it('drops one dead letter or all of a version, nothing else', async () => {
    const store = await open()
    const { events, projections } = await parkedTwo(store)
    const before = await projections.load('p', 1)
    const dropped = await dropDeadLetters(store, { name: 'p', version: 1, eventId: events[1]?.eventId ?? '' })
    expect(dropped.map((d) => d.eventId)).toEqual([events[1]?.eventId])
    expect(await dropDeadLetters(store, { name: 'p', version: 2 })).toEqual([])
    expect((await dropDeadLetters(store, { name: 'p', version: 1 })).map((d) => d.eventId)).toEqual([
      events[3]?.eventId,
    ])
    expect(await projections.deadLetters('p')).toEqual([])
    expect(await projections.load('p', 1)).toEqual(before)
    await store.close()
  })

  it('reads the latest events, filtered in SQL, with the head of the whole log', async () => {
    const store = await open()
    expect(await readLatest(store.driver, store.schema, { limit: 5 })).toEqual({ events: [], head: START })
    await store.append([{ streamId: 'x-1', events: [event('A', { n: 1 }), event('B', { n: 2 })] }])
    await store.append([{ streamId: 'y-1', events: [event('A', { n: 3 }), event('C', { n: 4 })] }])
    // A transaction anywhere in the cluster holds back what is readable (xmin): wait it out.
    const settled = async () => {
      for (;;) {
        const all = (await store.readAll()).events
        const latest = await readLatest(store.driver, store.schema, { limit: 3 })
        if (all.length === 4 && latest.events.length === 3) return { all, latest }
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    }
    const { all, latest } = await settled()
    expect(latest.events).toEqual(all.slice(1))
    const last = all.at(-1)
    if (!last) throw new Error('no events')
    expect(latest.head).toEqual(cursorOf(last))
    const typed = await readLatest(store.driver, store.schema, { limit: 10, types: ['A'], streamPrefix: 'y-' })
    expect(typed.events.map((e) => e.data)).toEqual([{ n: 3 }])
    expect(typed.head).toEqual(cursorOf(last))
    await store.close()
  })
})
