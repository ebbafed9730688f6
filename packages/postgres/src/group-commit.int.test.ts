import { randomUUID } from 'node:crypto'
import { ANY_VERSION, type AppendResult, NO_STREAM, type StreamWrite } from '@eventcore/core'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { LOCK_NAMESPACE } from './migrations.js'
import type { SqlEventStore } from './sql-store.js'
import { databaseUrl, pgliteStores, postgresStores } from './test-database.js'
import { within } from './test-wait.js'

// Group commit (issue 15): appends that arrive while the store's statement is in flight go out
// together, one statement, one transaction. These tests hold the store's first append in the
// database, queue appends behind it, then let it go: the queued ones are sent as one batch, which
// the shared transaction id of their events proves.

/** Blocks the store's appends in the database until `release`: on PGlite, any statement at all. */
type Hold = (store: SqlEventStore, streams: readonly string[]) => Promise<() => Promise<void>>

const event = (data: unknown = {}) => ({ type: 'Happened', data })
const one = (streamId: string, data?: unknown): StreamWrite[] => [{ streamId, events: [event(data)] }]
const expectOk = (result: AppendResult) => {
  if (!result.ok) throw new Error(`append failed: ${result.error.message}`)
  return result
}
const xidsOf = (results: readonly AppendResult[]) =>
  new Set(results.flatMap((r) => (r.ok ? r.events.map((e) => e.transactionId) : [])))

function describeGroupCommit(name: string, open: () => Promise<SqlEventStore>, hold: Hold) {
  // The first append goes out alone and waits in the database; `appends` queue behind it.
  const batched = async <T>(store: SqlEventStore, appends: () => Promise<T>[]) => {
    const held = `held-${randomUUID()}`
    const release = await hold(store, [held])
    const first = store.append(one(held), { expectedVersions: { [held]: NO_STREAM } })
    const queued = appends()
    await release()
    expectOk(await within(first, 10_000, 'the held append'))
    return Promise.all(queued)
  }

  describe(`group commit on ${name}`, () => {
    // The refused appends with exact expected versions take the batch's one INSERT of fast appends
    // down with them (every append then goes one by one); with 'any', that INSERT succeeds for the
    // others and only they go one by one.
    it.each([
      ['with exact versions', 1],
      ["with 'any'", ANY_VERSION],
    ] as const)(
      'fails exactly the appends that conflict or that the database refuses in a batch of 50 (refused %s)',
      async (_, refusedExpect) => {
        const store = await open()
        // A rule of the database that the store does not know: only PostgreSQL refuses these events.
        await store.driver.query(
          `ALTER TABLE ${store.schema.quoted}.events ADD CONSTRAINT refused_type CHECK (type <> 'Refused')`,
        )
        const streams = Array.from({ length: 50 }, (_, i) => `isolated-${i + 1}`)
        for (const streamId of streams) expectOk(await store.append(one(streamId)))
        const settled = await batched(store, () =>
          streams.map((streamId, i) => {
            const n = i + 1
            const writes = [{ streamId, events: [{ type: n % 7 === 0 ? 'Refused' : 'Happened', data: { n } }] }]
            const expected = n % 5 === 0 ? NO_STREAM : n % 7 === 0 ? refusedExpect : n % 2 === 0 ? 1 : ANY_VERSION
            return store.append(writes, { expectedVersions: { [streamId]: expected } }).then(
              (result) => ({ n, result, error: undefined }),
              (error: unknown) => ({ n, result: undefined, error }),
            )
          }),
        )
        const written: AppendResult[] = []
        for (const { n, result, error } of settled) {
          if (n % 5 === 0) {
            expect(result?.ok, `append ${n}`).toBe(false)
            if (result && !result.ok)
              expect(result.error).toMatchObject({
                kind: 'concurrency',
                conflicts: [{ streamId: `isolated-${n}`, expected: 0, actual: 1 }],
              })
          } else if (n % 7 === 0) {
            expect(error, `append ${n}`).toMatchObject({
              kind: 'validation',
              issues: [{ message: expect.stringMatching(/refused the data \(23514\) in append: .*refused_type/) }],
            })
          } else {
            expect(error, `append ${n}`).toBeUndefined()
            const ok = expectOk(result as AppendResult)
            expect(ok.versions.get(`isolated-${n}`)).toBe(2)
            written.push(ok)
          }
        }
        expect(written).toHaveLength(50 - 10 - 7 + 1)
        expect(xidsOf(written).size).toBe(1)
        for (const [i, streamId] of streams.entries()) {
          const n = i + 1
          const { version, events } = await store.readStream(streamId)
          expect(version, streamId).toBe(n % 5 === 0 || n % 7 === 0 ? 1 : 2)
          expect(events.at(-1)?.data).toEqual(version === 2 ? { n } : {})
        }
      },
    )

    it('fails only its own append when a value cannot even be sent in the batch statement', async () => {
      const store = await open()
      // schema_version is an integer column: 2^31 is refused when the statement's parameters are bound.
      const [fine, refused, alsoFine] = await batched(store, () => [
        store.append(one('v1')),
        store
          .append([{ streamId: 'v2', events: [{ type: 'Happened', data: {}, schemaVersion: 2 ** 31 }] }])
          .catch((error: unknown) => error),
        store.append(one('v3')),
      ])
      expectOk(fine as AppendResult)
      expectOk(alsoFine as AppendResult)
      expect(refused).toMatchObject({ kind: 'validation', message: expect.stringMatching(/22003/) })
      expect((await store.readStream('v2')).version).toBe(0)
    })

    it('lets the second of two appends to one stream in a batch see the first', async () => {
      const store = await open()
      const [a1, a2, b1, b2] = await batched(store, () => [
        store.append(one('a'), { expectedVersions: { a: NO_STREAM } }),
        store.append(one('a'), { expectedVersions: { a: 1 } }),
        store.append(one('b'), { expectedVersions: { b: NO_STREAM } }),
        store.append(one('b'), { expectedVersions: { b: NO_STREAM } }),
      ])
      expect(expectOk(a1 as AppendResult).versions.get('a')).toBe(1)
      expect(expectOk(a2 as AppendResult).versions.get('a')).toBe(2)
      expect(expectOk(b1 as AppendResult).versions.get('b')).toBe(1)
      expect(b2).toMatchObject({ ok: false, error: { kind: 'concurrency', conflicts: [{ streamId: 'b', actual: 1 }] } })
      expect(xidsOf([a1, a2, b1] as AppendResult[]).size).toBe(1)
      expect((await store.readStream('a')).version).toBe(2)
      expect((await store.readStream('b')).version).toBe(1)
    })

    it('answers a retried append with its own event ids as a duplicate, in the same batch and in a later one', async () => {
      const store = await open()
      const writes: StreamWrite[] = [{ streamId: 'c', events: [{ ...event({ k: 1 }), eventId: randomUUID() }] }]
      const reused: StreamWrite[] = [
        { streamId: 'c', events: [{ ...event({ k: 2 }), eventId: writes[0]?.events[0]?.eventId }] },
      ]
      const [first, again, other, beside] = await batched(store, () => [
        store.append(writes, { expectedVersions: { c: NO_STREAM } }),
        store.append(writes, { expectedVersions: { c: NO_STREAM } }),
        store.append(reused).catch((error: unknown) => error),
        store.append(one('c2')),
      ])
      const written = expectOk(first as AppendResult)
      expect(xidsOf([written, beside as AppendResult]).size).toBe(1)
      expect(written.duplicate).toBe(false)
      expect(again).toMatchObject({ ok: true, duplicate: true, events: written.events })
      expect(other).toMatchObject({ kind: 'validation', code: 'ERR_EVENTCORE_EVENT_ID_REUSED' })
      const [later] = await batched(store, () => [
        store.append(writes, { expectedVersions: { c: NO_STREAM } }),
        store.append(one('d')),
      ])
      expect(later).toMatchObject({ ok: true, duplicate: true, events: written.events })
      expect((await store.readStream('c')).version).toBe(1)
    })

    it('checks streams only read against the appends before them in the batch', async () => {
      const store = await open()
      const [moved, stale, fresh] = await batched(store, () => [
        store.append(one('limit')),
        store.append(one('w1'), { expectedVersions: { limit: NO_STREAM, w1: NO_STREAM } }),
        store.append(one('w2'), { expectedVersions: { limit: 1 } }),
      ])
      expect(xidsOf([moved, fresh] as AppendResult[]).size).toBe(1)
      expect(stale).toMatchObject({
        ok: false,
        error: { kind: 'concurrency', conflicts: [{ streamId: 'limit', expected: 0, actual: 1 }] },
      })
      expect(expectOk(fresh as AppendResult).versions.get('w2')).toBe(1)
      expect((await store.readStream('w1')).version).toBe(0)
    })

    it('wakes local subscribers once per batch, not once per append, and reads the batch in append order', async () => {
      const store = await open()
      let wakes = 0
      const stop = store.onAppend(() => {
        wakes += 1
      })
      try {
        const streams = Array.from({ length: 20 }, (_, i) => `order-${i}`)
        const results = await batched(store, () => streams.map((s) => store.append(one(s))))
        await new Promise((resolve) => setTimeout(resolve, 50))
        expect(wakes).toBeGreaterThanOrEqual(1)
        // Once for the held append, once for the batch, and a few by NOTIFY: never one per append.
        expect(wakes).toBeLessThan(10)
        expect(xidsOf(results).size).toBe(1)
        const page = await store.readAll()
        const tail = page.events.slice(-streams.length)
        expect(tail.map((e) => e.globalPosition)).toEqual(results.map((r) => expectOk(r).events[0]?.globalPosition))
        expect(tail.map((e) => e.streamId)).toEqual(streams)
      } finally {
        stop()
      }
    })
  })
}

// PGlite runs one statement at a time: a transaction held open holds every statement behind it.
{
  const stores = pgliteStores(afterAll)
  describeGroupCommit('PGlite', stores.open, async () => {
    const db = await stores.db()
    let release = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    let begun = () => {}
    const started = new Promise<void>((resolve) => {
      begun = resolve
    })
    const done = db.transaction(async (tx) => {
      await tx.query('SELECT 1')
      begun()
      await gate
    })
    await started
    return async () => {
      release()
      await done
    }
  })
}

describe.runIf(databaseUrl)('on PostgreSQL', () => {
  const stores = postgresStores(afterAll)
  // An uncommitted event at version 1 of each held stream: an append there waits for this transaction.
  const hold: Hold = async (store, streams) => {
    const client = new pg.Client({ connectionString: databaseUrl })
    await client.connect()
    await client.query('BEGIN')
    await client.query(
      `INSERT INTO ${store.schema.quoted}.events (event_id, stream_id, stream_version, type, data)
       SELECT gen_random_uuid(), s, 1, 'Held', '{}' FROM unnest($1::text[]) AS s`,
      [streams],
    )
    return async () => {
      await client.query('ROLLBACK')
      await client.end()
    }
  }
  describeGroupCommit('PostgreSQL', stores.open, hold)

  const batchWaiting = async (store: SqlEventStore) => {
    for (let i = 0; i < 200; i++) {
      const { rows } = await stores
        .admin()
        .query(`SELECT 1 FROM pg_stat_activity WHERE query LIKE $1 AND wait_event_type = 'Lock'`, [
          `%${store.schema.quoted}.append_batch%`,
        ])
      if (rows.length > 0) return
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    throw new Error('no batch waiting on a lock within 5 s')
  }

  it('never lets an append of a batch land before a later transaction it built on (the log stays in stream order)', async () => {
    const store = await stores.open()
    const releaseFirst = await hold(store, ['held-order'])
    // A writer that will take its transaction id after the batch took its own, and commit to q
    // while the batch's second append waits for q's lock.
    const later = new pg.Client({ connectionString: databaseUrl })
    await later.connect()
    try {
      await later.query('BEGIN')
      await later.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_NAMESPACE, 'q'])
      const first = store.append(one('held-order'), { expectedVersions: { 'held-order': NO_STREAM } })
      const p = store.append(one('p'), { expectedVersions: { p: NO_STREAM } })
      // r is only read: this append locks q and r, so it waits for the writer's lock.
      const q = store.append(one('q'), { expectedVersions: { r: NO_STREAM } })
      await releaseFirst()
      expectOk(await within(first, 10_000, 'the held append'))
      await batchWaiting(store)
      await later.query(
        `INSERT INTO ${store.schema.quoted}.events (event_id, stream_id, stream_version, type, data)
         VALUES (gen_random_uuid(), 'q', 1, 'Later', '{}')`,
      )
      await later.query('COMMIT')
      const [pWritten, qWritten] = [expectOk(await p), expectOk(await q)]
      const [laterEvent] = (await store.readStream('q')).events
      expect(qWritten.versions.get('q')).toBe(2)
      expect(qWritten.events[0]?.transactionId).toBeGreaterThan(laterEvent?.transactionId ?? Number.POSITIVE_INFINITY)
      expect(pWritten.events[0]?.transactionId).toBeLessThan(laterEvent?.transactionId ?? 0)
      // readAll shows a transaction once every older one on the server has ended: wait for both.
      let log: number[] = []
      for (let i = 0; i < 200 && log.length < 2; i++) {
        log = (await store.readAll()).events.filter((e) => e.streamId === 'q').map((e) => e.streamVersion)
        if (log.length < 2) await new Promise((resolve) => setTimeout(resolve, 25))
      }
      expect(log).toEqual([1, 2])
    } finally {
      await later.end()
    }
  })

  it('fails every append of a batch whose connection is killed, writes none of them, and serves the next', async () => {
    const store = await stores.open()
    const admin = stores.admin()
    const releaseFirst = await hold(store, ['held-first'])
    const releaseBatch = await hold(store, ['held-batch'])
    try {
      const first = store.append(one('held-first'), { expectedVersions: { 'held-first': NO_STREAM } })
      const streams = ['held-batch', ...Array.from({ length: 9 }, (_, i) => `killed-${i}`)]
      const batch = streams.map((streamId) =>
        store.append(one(streamId), { expectedVersions: { [streamId]: NO_STREAM } }).catch((error: unknown) => error),
      )
      await releaseFirst()
      expectOk(await within(first, 10_000, 'the held append'))
      // The batch waits on held-batch's uncommitted row: kill the backend running it.
      let killed = 0
      for (let i = 0; i < 200 && killed === 0; i++) {
        const { rows } = await admin.query<{ pid: number }>(
          `SELECT pg_terminate_backend(pid) AS pid FROM pg_stat_activity
           WHERE query LIKE $1 AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
          [`%${store.schema.quoted}.append_batch%`],
        )
        killed = rows.length
        if (killed === 0) await new Promise((resolve) => setTimeout(resolve, 25))
      }
      expect(killed).toBe(1)
      const errors = await within(Promise.all(batch), 10_000, 'the killed batch')
      for (const error of errors)
        expect(error).toMatchObject({ kind: 'store-unavailable', code: 'ERR_EVENTCORE_STORE_UNAVAILABLE' })
    } finally {
      await releaseBatch()
    }
    for (const streamId of ['held-batch', 'killed-0', 'killed-8'])
      expect((await store.readStream(streamId)).version, streamId).toBe(0)
    const next = await Promise.all(['killed-0', 'killed-1', 'held-batch'].map((s) => store.append(one(s))))
    for (const result of next) expect(expectOk(result).versions.size).toBe(1)
  })
})
