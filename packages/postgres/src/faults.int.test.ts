import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPostgresStore, type PostgresEventStore } from './postgres-store.js'
import { canCreateScratchCluster, createScratchCluster, type ScratchCluster } from './scratch-cluster.js'
import { databaseUrl, uniqueSchema } from './test-database.js'
import {
  appendPairsUntil,
  expectNoLossNoHalfWrites,
  expectNoUncaught,
  loadFigures,
  recoveryMs,
} from './test-fault-load.js'

// Fault tests on a PostgreSQL cluster of this file's own (never the shared one): connections
// killed, the server restarted, the pool exhausted, the database read-only, inserts that cannot
// finish. Each checks that acknowledged appends are stored, none is half-written, every failure
// was store-unavailable, nothing went uncaught, and the same store recovers by itself.
describe.runIf(databaseUrl && canCreateScratchCluster())('the PostgreSQL store under faults', () => {
  let cluster: ScratchCluster
  const figures: Record<string, unknown> = {}
  const APP = 'eventcore_fault'

  beforeAll(async () => {
    cluster = await createScratchCluster()
  })
  afterAll(async () => {
    await cluster?.drop()
    console.info(`fault figures: ${JSON.stringify(figures)}`)
  })

  const open = (
    options: { database?: string; poolSize?: number; statementTimeoutMs?: number; poolWaitMs?: number } = {},
  ) =>
    openPostgresStore({
      connectionString: cluster.url({ database: options.database, applicationName: APP }),
      schema: uniqueSchema(),
      poolSize: options.poolSize ?? 4,
      connectTimeoutMs: 1000,
      poolWaitMs: options.poolWaitMs ?? 1000,
      statementTimeoutMs: options.statementTimeoutMs ?? 30_000,
    })
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
  const withStore = async (store: PostgresEventStore, work: () => Promise<void>) => {
    try {
      await expectNoUncaught(work)
    } finally {
      await store.close()
    }
  }

  it('keeps every acknowledged append whole while connections are killed mid-append', async () => {
    const store = await open()
    await withStore(store, async () => {
      let killing = true
      let kills = 0
      const load = appendPairsUntil(store, { done: () => !killing, concurrency: 4 })
      const until = performance.now() + 2000
      for (let round = 0; round < 100 && performance.now() < until; round++) {
        kills += await cluster.terminateBackends({ applicationName: APP })
        await sleep(40)
      }
      killing = false
      const record = await load
      const recovered = await recoveryMs(store)
      await expectNoLossNoHalfWrites(store, record)
      expect(kills).toBeGreaterThan(0)
      expect(record.acked.length).toBeGreaterThan(0)
      figures.killedMidAppend = {
        kills,
        ...loadFigures(record),
        recoveryMs: recovered,
      }
    })
  })

  it('commits a transaction killed between its statements wholly or not at all', async () => {
    const store = await open()
    await withStore(store, async () => {
      const table = `"${store.schema.name}".pairs`
      await store.driver.query(`CREATE TABLE ${table} (pair uuid NOT NULL, side text NOT NULL)`)
      let running = true
      const acked: string[] = []
      const attempted: string[] = []
      const failures = new Map<string, number>()
      const caller = async () => {
        while (running) {
          const pair = randomUUID()
          attempted.push(pair)
          try {
            await store.driver.transaction(async (tx) => {
              await tx.query(`INSERT INTO ${table} VALUES ($1, 'a')`, [pair])
              await sleep(5) // the caller's own work, with the client checked out mid-transaction
              await tx.query(`INSERT INTO ${table} VALUES ($1, 'b')`, [pair])
            })
            acked.push(pair)
          } catch (error) {
            const kind = (error as { kind?: string }).kind ?? (error as Error).message
            failures.set(kind, (failures.get(kind) ?? 0) + 1)
            await sleep(20)
          }
        }
      }
      const load = Promise.all([caller(), caller(), caller()])
      let kills = 0
      const until = performance.now() + 1500
      for (let round = 0; round < 100 && performance.now() < until; round++) {
        kills += await cluster.terminateBackends({ applicationName: APP })
        await sleep(30)
      }
      running = false
      await load
      const rows = await store.driver.query<{ pair: string; n: number }>(
        `SELECT pair::text AS pair, count(*)::int AS n FROM ${table} GROUP BY pair`,
      )
      const stored = new Map(rows.map((r) => [r.pair, r.n]))
      expect([...failures.keys()].filter((kind) => kind !== 'store-unavailable')).toEqual([])
      expect(acked.filter((pair) => stored.get(pair) !== 2)).toEqual([])
      expect(rows.filter((r) => r.n !== 2)).toEqual([])
      expect(kills).toBeGreaterThan(0)
      figures.killedMidTransaction = {
        kills,
        transactions: attempted.length,
        committed: acked.length,
        failures: Object.fromEntries(failures),
      }
    })
  })

  it('keeps every acknowledged append through a server restart under load, and recovers by itself', async () => {
    const store = await open()
    await withStore(store, async () => {
      let loading = true
      const load = appendPairsUntil(store, { done: () => !loading, concurrency: 4 })
      await sleep(300)
      const started = performance.now()
      await cluster.restart()
      const restartMs = Math.round(performance.now() - started)
      await sleep(300)
      loading = false
      const record = await load
      const recovered = await recoveryMs(store)
      await expectNoLossNoHalfWrites(store, record)
      expect(record.failures.get('store-unavailable') ?? 0).toBeGreaterThan(0)
      expect(record.longestMs).toBeLessThan(restartMs + 3000)
      figures.serverRestart = {
        restartMs,
        ...loadFigures(record),
        recoveryMs: recovered,
      }
    })
  })

  it('makes a caller wait a bounded time for a connection when slow queries hold the pool', async () => {
    const store = await open({ poolSize: 2, poolWaitMs: 300 })
    await withStore(store, async () => {
      const slow = [1, 2].map(() => store.driver.query('SELECT pg_sleep(1.5)'))
      await sleep(100)
      const started = performance.now()
      const append = store.append([{ streamId: `s-${randomUUID()}`, events: [{ type: 'X', data: {} }] }])
      await expect(append).rejects.toMatchObject({ kind: 'store-unavailable', transient: true })
      const waitedMs = Math.round(performance.now() - started)
      expect(waitedMs).toBeGreaterThanOrEqual(250)
      expect(waitedMs).toBeLessThan(1000)
      await Promise.all(slow)
      figures.poolExhausted = { poolWaitMs: 300, waitedMs, recoveryMs: await recoveryMs(store) }
    })
  })

  it('answers store-unavailable (not transient) while the database is read-only, and writes again after', async () => {
    const database = `ro_${randomUUID().slice(0, 8)}`
    await cluster.sql(`CREATE DATABASE ${database}`)
    const store = await open({ database })
    await withStore(store, async () => {
      await cluster.sql(`ALTER DATABASE ${database} SET default_transaction_read_only = on`)
      await cluster.terminateBackends({ database })
      let loading = true
      const load = appendPairsUntil(store, { done: () => !loading, concurrency: 2 })
      await sleep(500)
      const refused = store.append([{ streamId: `s-${randomUUID()}`, events: [{ type: 'X', data: {} }] }])
      await expect(refused).rejects.toMatchObject({ kind: 'store-unavailable', transient: false })
      await expect(refused).rejects.toThrow(/25006/)
      await cluster.sql(`ALTER DATABASE ${database} SET default_transaction_read_only = off`)
      await cluster.terminateBackends({ database })
      const recovered = await recoveryMs(store)
      loading = false
      const record = await load
      await expectNoLossNoHalfWrites(store, record)
      expect(record.failures.get('store-unavailable') ?? 0).toBeGreaterThan(0)
      figures.readOnly = { ...loadFigures(record), recoveryMs: recovered }
    })
  })

  it('answers store-unavailable (not transient) when inserts cannot finish in time, and writes again after', async () => {
    const store = await open({ statementTimeoutMs: 200 })
    await withStore(store, async () => {
      await store.append([{ streamId: `s-${randomUUID()}`, events: [{ type: 'X', data: {} }] }])
      // Inserts that cannot complete, as on a full disk: the events table locked by another session.
      const blocker = new pg.Client({ connectionString: cluster.url() })
      blocker.on('error', () => {})
      await blocker.connect()
      try {
        await blocker.query('BEGIN')
        await blocker.query(`LOCK TABLE "${store.schema.name}".events IN ACCESS EXCLUSIVE MODE`)
        let loading = true
        const load = appendPairsUntil(store, { done: () => !loading, concurrency: 2 })
        const refused = store.append([{ streamId: `s-${randomUUID()}`, events: [{ type: 'X', data: {} }] }])
        await expect(refused).rejects.toMatchObject({ kind: 'store-unavailable', transient: false })
        await expect(refused).rejects.toThrow(/57014/)
        await sleep(300)
        await blocker.query('COMMIT')
        const recovered = await recoveryMs(store)
        loading = false
        const record = await load
        await expectNoLossNoHalfWrites(store, record)
        figures.insertsTimedOut = { ...loadFigures(record), recoveryMs: recovered }
      } finally {
        await blocker.end().catch(() => {})
      }
    })
  })
})
