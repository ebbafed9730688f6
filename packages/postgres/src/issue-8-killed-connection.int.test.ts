import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openPostgresStore, type PostgresEventStore } from './postgres-store.js'
import { databaseUrl, uniqueSchema } from './test-database.js'
import { within } from './test-wait.js'

// Issue 8: a connection killed while the store held it (mid-query, between BEGIN and COMMIT) emitted
// 'error' on a client with no listener and ended the process. These tests kill only their own
// backends on the shared cluster, found by an application_name no one else uses.
describe.runIf(databaseUrl)('a PostgreSQL connection killed under the store (issue 8)', () => {
  const app = `eventcore_kill_${process.pid}_${randomUUID().slice(0, 8)}`
  const schema = uniqueSchema()
  const admin = new pg.Pool({ connectionString: databaseUrl, max: 2, application_name: 'eventcore_kill_admin' })
  const uncaught: unknown[] = []
  const record = (error: unknown) => uncaught.push(error)
  let store: PostgresEventStore

  const url = () => {
    const parsed = new URL(databaseUrl as string)
    parsed.searchParams.set('application_name', app)
    return parsed.toString()
  }
  const backends = async (where = 'true') =>
    (
      await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND ${where}`, [
        app,
      ])
    ).rows.map((r) => r.pid)
  const kill = async (where = 'true') => {
    const pids = await backends(where)
    await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [pids])
    return pids.length
  }
  const until = async (what: string, check: () => Promise<boolean>) => {
    for (let i = 0; i < 200; i++) {
      if (await check()) return
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    throw new Error(`no ${what} within 5 s`)
  }
  const works = async () => {
    const streamId = `s-${randomUUID()}`
    const appended = await store.append([{ streamId, events: [{ type: 'X', data: {} }] }])
    expect(appended.ok).toBe(true)
    expect((await store.readStream(streamId)).events).toHaveLength(1)
  }

  beforeEach(async () => {
    uncaught.length = 0
    process.on('uncaughtException', record)
    process.on('unhandledRejection', record)
    store = await openPostgresStore({ connectionString: url(), schema, poolSize: 4 })
  })
  afterEach(async () => {
    await store.close()
    process.off('uncaughtException', record)
    process.off('unhandledRejection', record)
    expect(uncaught).toEqual([])
  })
  afterAll(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await admin.end()
  })

  it('fails a query in flight as transient store-unavailable, and the next call works on a fresh connection', async () => {
    const slow = store.driver.query('SELECT pg_sleep(10)')
    const failed = expect(slow).rejects.toMatchObject({ kind: 'store-unavailable', transient: true })
    await until('running query', async () => (await backends(`query LIKE '%pg_sleep(10)%'`)).length === 1)
    expect(await kill(`query LIKE '%pg_sleep(10)%'`)).toBe(1)
    await within(failed, 5000, 'rejection of the killed query')
    await works()
  })

  it('fails a transaction killed between BEGIN and COMMIT, while its work awaits, and writes nothing', async () => {
    let resume: () => void = () => {}
    const paused = new Promise<void>((resolve) => {
      resume = resolve
    })
    let began: () => void = () => {}
    const inside = new Promise<void>((resolve) => {
      began = resolve
    })
    const table = `"${schema}".events`
    const count = async () => (await store.driver.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]?.n
    const before = await count()
    const tx = store.driver.transaction(async (db) => {
      await db.query(
        `INSERT INTO ${table} (event_id, stream_id, stream_version, type, data) VALUES (gen_random_uuid(), $1, 1, 'X', '{}')`,
        [`s-${randomUUID()}`],
      )
      began()
      await paused // the caller's own async work: the client sits checked out, between statements
      await db.query('SELECT 1')
    })
    const failed = expect(tx).rejects.toMatchObject({ kind: 'store-unavailable', transient: true })
    await within(inside, 5000, 'transaction start')
    expect(await kill(`state = 'idle in transaction'`)).toBe(1)
    // The 'error' event arrives on the checked-out client while no statement runs.
    await until('backend gone', async () => (await backends(`state = 'idle in transaction'`)).length === 0)
    await new Promise((resolve) => setTimeout(resolve, 50))
    resume()
    await within(failed, 5000, 'rejection of the killed transaction')
    expect(await count()).toBe(before)
    await works()
  })

  it('replaces idle pooled connections that were killed', async () => {
    await works()
    await until('idle pooled connections', async () => (await backends(`state = 'idle'`)).length > 0)
    expect(store.pool.totalCount).toBeGreaterThan(0)
    expect(await kill()).toBeGreaterThan(0)
    // Each idle client hears its connection end and leaves the pool (a client handed out before it
    // heard fails its first statement as store-unavailable, as in the tests above).
    await until('the pool to drop them', async () => store.pool.totalCount === 0)
    await works()
  })

  it('keeps a lease and a LISTEN connection from ending the process, and listens again', async () => {
    const lock = await store.driver.tryLock(`lease-${randomUUID()}`)
    expect(lock?.held()).toBe(true)
    let woken = 0
    const stop = store.onAppend(() => {
      woken += 1
    })
    await until('the LISTEN connection', async () => (await backends(`query LIKE 'LISTEN%'`)).length === 1)
    await kill()
    await until('the lease to be lost', async () => lock?.held() === false)
    await until('LISTEN again', async () => (await backends(`query LIKE 'LISTEN%'`)).length === 1)
    const other = await openPostgresStore({ connectionString: databaseUrl, schema, migrate: false })
    try {
      const seen = woken
      await other.append([{ streamId: `s-${randomUUID()}`, events: [{ type: 'X', data: {} }] }])
      await until('a NOTIFY from another store', async () => woken > seen)
    } finally {
      await other.close()
      stop()
      await lock?.release()
    }
  })

  it('guards the clients it checks out of a pool passed in, which has no error listener of its own', async () => {
    const pool = new pg.Pool({ connectionString: url(), max: 1 })
    const own = await openPostgresStore({ pool, schema, migrate: false })
    try {
      const slow = own.driver.query('SELECT pg_sleep(10)')
      const failed = expect(slow).rejects.toMatchObject({ kind: 'store-unavailable', transient: true })
      await until('running query', async () => (await backends(`query LIKE '%pg_sleep(10)%'`)).length === 1)
      expect(await kill(`query LIKE '%pg_sleep(10)%'`)).toBe(1)
      await within(failed, 5000, 'rejection of the killed query')
      expect(await own.driver.query('SELECT 1 AS one')).toEqual([{ one: 1 }])
      expect(pool.listenerCount('error')).toBe(0)
    } finally {
      await own.close()
      await pool.end()
    }
  })

  it('survives connections killed as fast as they are opened (killed right after saying ready)', async () => {
    let running = true
    const failures = new Map<string, number>()
    const caller = async () => {
      while (running) {
        try {
          await store.driver.query('SELECT 1')
        } catch (error) {
          const kind = (error as { kind?: string }).kind ?? String(error)
          failures.set(kind, (failures.get(kind) ?? 0) + 1)
        }
      }
    }
    const load = Promise.all([caller(), caller(), caller(), caller()])
    const until = performance.now() + 1500
    let kills = 0
    for (let round = 0; round < 2000 && performance.now() < until; round++) kills += await kill()
    running = false
    await load
    expect([...failures.keys()].filter((kind) => kind !== 'store-unavailable')).toEqual([])
    expect(kills).toBeGreaterThan(0)
    await works()
  })
})
