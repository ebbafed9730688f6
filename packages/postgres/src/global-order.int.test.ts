import { type GlobalCursor, type RecordedEvent, START, type StreamWrite } from '@eventcore/core'
import { planAppend } from '@eventcore/core/store-kit'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PostgresEventStore } from './postgres-store.js'
import { appendEvents } from './sql/append-events.js'
import { readAll } from './sql/read-all.js'
import type { SqlConnection } from './sql-driver.js'
import { databaseUrl, postgresStores } from './test-database.js'

// These need two connections at once, so they run on PostgreSQL only (PGlite has one connection).
describe.runIf(databaseUrl)('readAll on PostgreSQL under out-of-order commits', () => {
  const stores = postgresStores(afterAll)
  let store: PostgresEventStore
  let pool: pg.Pool

  beforeAll(async () => {
    store = await stores.open()
    pool = new pg.Pool({ connectionString: databaseUrl, max: 24 })
  })
  afterAll(async () => {
    await pool.end()
    await store.close()
  })

  /** A transaction held open by the test, appending through the store's own SQL. */
  async function openTransaction() {
    const client = await pool.connect()
    await client.query('BEGIN')
    const connection: SqlConnection = {
      query: async <Row>(text: string, values?: readonly unknown[]) =>
        (await client.query(text, values as unknown[])).rows as Row[],
    }
    return {
      async append(streamId: string, n: number) {
        const writes: StreamWrite[] = [{ streamId, events: [{ type: 'Numbered', data: { n } }] }]
        const result = await appendEvents(connection, store.schema, planAppend(writes, undefined))
        if (!result.ok) throw result.error
      },
      takeTransactionId: () => client.query('SELECT pg_current_xact_id()'),
      async end(outcome: 'COMMIT' | 'ROLLBACK') {
        await client.query(outcome)
        client.release()
      },
    }
  }

  /** A consumer that follows readAll from a cursor it keeps as JSON, as a real one would persist it. */
  function consumer(from: GlobalCursor, pageSize = 50) {
    let saved = JSON.stringify(from)
    const seen: RecordedEvent[] = []
    return {
      seen,
      async poll(): Promise<number> {
        let read = 0
        for (;;) {
          const page = await store.readAll({ after: JSON.parse(saved) as GlobalCursor, limit: pageSize })
          if (page.events.length === 0) return read
          seen.push(...page.events)
          read += page.events.length
          saved = JSON.stringify(page.cursor)
        }
      },
      numbers: () => seen.map((e) => (e.data as { n: number }).n),
      /**
       * Polls until `count` events have arrived. Any transaction open on the server (another test
       * file, another database) holds new events back for a moment: that is the guarantee at work.
       */
      async until(count: number) {
        const deadline = Date.now() + 10_000
        while (seen.length < count && Date.now() < deadline) {
          await this.poll()
          if (seen.length < count) await new Promise((resolve) => setTimeout(resolve, 10))
        }
      },
    }
  }

  async function head(): Promise<GlobalCursor> {
    let cursor = START
    for (;;) {
      const page = await store.readAll({ after: cursor, limit: 1000 })
      if (page.events.length === 0) return cursor
      cursor = page.cursor
    }
  }

  it('delivers a late commit, and the commit that overtook it, exactly once', async () => {
    const reader = consumer(await head())
    const a = await openTransaction()
    await a.append('late-a', 1)
    await store.append([{ streamId: 'late-b', events: [{ type: 'Numbered', data: { n: 2 } }] }])
    await reader.poll()
    expect(reader.numbers()).toEqual([]) // b waits behind a, which is still running
    await a.end('COMMIT')
    await reader.until(2)
    expect(reader.numbers()).toEqual([1, 2])
    await reader.poll()
    expect(reader.seen).toHaveLength(2)
  })

  it('is not held up by a rolled-back append', async () => {
    const reader = consumer(await head())
    const a = await openTransaction()
    await a.append('rolled-back', 1)
    await a.end('ROLLBACK')
    await store.append([{ streamId: 'after-rollback', events: [{ type: 'Numbered', data: { n: 2 } }] }])
    await reader.until(1)
    expect(reader.numbers()).toEqual([2])
  })

  it('delivers both events when transaction id order and position order disagree', async () => {
    const reader = consumer(await head(), 1) // one event per page: a position-only cursor would skip b
    const a = await openTransaction()
    await a.takeTransactionId() // a takes its id first (as if it wrote something else first)...
    await store.append([{ streamId: 'inverted-b', events: [{ type: 'Numbered', data: { n: 2 } }] }])
    await reader.poll() // ...b commits with a lower position and is read while a is open
    await a.append('inverted-a', 1) // a's event: lower transaction id, higher position
    await a.end('COMMIT')
    await reader.until(2)
    const events = reader.seen
    expect(reader.numbers().sort()).toEqual([1, 2])
    const [first, second] = events
    if (!first || !second) throw new Error('expected two events')
    expect(first.transactionId).toBeLessThan(second.transactionId)
    expect(first.globalPosition).toBeGreaterThan(second.globalPosition) // the case a position cursor loses
  })

  it('delivers every committed event exactly once while 16 writers pause inside their transactions', async () => {
    const reader = consumer(await head(), 7)
    const committed: number[] = []
    let next = 0
    const writer = async (w: number) => {
      while (next < 1000) {
        const n = next++
        const tx = await openTransaction()
        // Half take their transaction id before pausing, so id order and position order disagree.
        if (n % 2 === 0) await tx.takeTransactionId()
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 3))
        await tx.append(`writer-${w}`, n)
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 3))
        // Every 25th transaction rolls back: its event must never be delivered.
        const outcome = n % 25 === 0 ? 'ROLLBACK' : 'COMMIT'
        await tx.end(outcome)
        if (outcome === 'COMMIT') committed.push(n)
      }
    }
    let writing = true
    const following = (async () => {
      while (writing) {
        await reader.poll()
        await new Promise((resolve) => setTimeout(resolve, 2))
      }
    })()
    await Promise.all(Array.from({ length: 16 }, (_, w) => writer(w)))
    writing = false
    await following
    await reader.until(committed.length)
    const delivered = reader.numbers()
    expect(delivered.length).toBe(committed.length)
    expect(new Set(delivered).size).toBe(delivered.length)
    expect([...delivered].sort((x, y) => x - y)).toEqual([...committed].sort((x, y) => x - y))
    expect(committed.length).toBe(1000 - 40)
  }, 60_000)

  it('polls through the ordering index in order: no scan of the table, no sort of what is left', async () => {
    // The store's own statement, planned the way a prepared statement is after a few runs.
    const client = await pool.connect()
    try {
      await client.query('SET plan_cache_mode = force_generic_plan')
      const statements: string[] = []
      const spy: SqlConnection = {
        query: async <Row>(text: string) => {
          statements.push(text)
          return [] as Row[]
        },
      }
      await readAll(spy, store.schema, { after: START, limit: 1000 })
      await client.query(`PREPARE poll(text, bigint, integer) AS ${statements[0]}`)
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE poll('5', 5, 1000)`)
      const plan = rows.map((r) => r['QUERY PLAN']).join('\n')
      expect(plan).toContain('Index Scan using events_transaction_order')
      expect(plan).not.toMatch(/Seq Scan|Sort/)
    } finally {
      client.release(true)
    }
  })
})
