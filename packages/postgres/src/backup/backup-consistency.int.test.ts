import { randomUUID } from 'node:crypto'
import { ANY_VERSION, runProjection } from '@eventcore/core'
import { planAppend } from '@eventcore/core/store-kit'
import { afterAll, describe, expect, it } from 'vitest'
import { createBackup, restoreBackup, verifyBackup } from '../index.js'
import { appendEvents } from '../sql/append-events.js'
import type { SqlConnection } from '../sql-driver.js'
import { createSqlProjectionStore } from '../sql-projections.js'
import type { SqlEventStore } from '../sql-store.js'
import { databaseUrl, pgliteStores, postgresStores } from '../test-database.js'
import { appendVariedLog, backupDirs, keptLog } from './test-backup-log.js'

const backupDir = backupDirs(afterAll)
/** A collision of concurrent appends: PostgreSQL's codes, raw or as the store's error's cause. */
function collided(error: unknown): boolean {
  const codes = [error, (error as { cause?: unknown }).cause].map((e) => (e as { code?: string } | undefined)?.code)
  return codes.some((code) => code === '23505' || code === '40P01' || code === 'ERR_EVENTCORE_CONFLICT')
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A projection counting events per stream into a read model of the store's own schema. */
async function countEventsPerStream(store: SqlEventStore): Promise<Map<string, string>> {
  const table = `${store.schema.quoted}.stream_counts`
  await store.driver.query(
    `CREATE TABLE IF NOT EXISTS ${table} (stream_id text PRIMARY KEY, n int, last_type text)`,
    [],
  )
  const runner = runProjection<SqlConnection>({
    store,
    projections: createSqlProjectionStore(store),
    projection: {
      name: 'stream-counts',
      version: 1,
      handle: async (event, { tx }) => {
        await tx.query(
          `INSERT INTO ${table} AS t VALUES ($1, 1, $2)
           ON CONFLICT (stream_id) DO UPDATE SET n = t.n + 1, last_type = excluded.last_type`,
          [event.streamId, event.type],
        )
      },
    },
  })
  const [{ total } = { total: '0' }] = await store.driver.query<{ total: string }>(
    `SELECT count(*)::text AS total FROM ${store.schema.quoted}.events`,
    [],
  )
  for (let waited = 0; ; waited += 20) {
    const [row] = await store.driver.query<{ processed: string }>(
      `SELECT processed::text FROM ${store.schema.quoted}.projections WHERE name = 'stream-counts'`,
      [],
    )
    if (row?.processed === total) break
    if (waited > 30_000) throw new Error(`the projection processed ${row?.processed} of ${total} events`)
    await sleep(20)
  }
  await runner.stop()
  const rows = await store.driver.query<{ stream_id: string; n: number; last_type: string }>(
    `SELECT * FROM ${table}`,
    [],
  )
  return new Map(rows.map((r) => [r.stream_id, `${r.n}:${r.last_type}`]))
}

function describeRebuild(name: string, open: () => Promise<SqlEventStore>) {
  it(`${name}: a restored store's projection rebuilds to the same read model`, async () => {
    const source = await open()
    await appendVariedLog(source, 8)
    const before = await countEventsPerStream(source)
    const { path } = await createBackup(source, { dir: await backupDir() })
    const target = await open()
    await restoreBackup(target, path)
    expect(await countEventsPerStream(target)).toEqual(before)
    expect(before.size).toBe(14)
  })
}

const lite = pgliteStores(afterAll)
describeRebuild('PGlite', () => lite.open())

describe.runIf(databaseUrl)('PostgreSQL', () => {
  const stores = postgresStores(afterAll)
  describeRebuild('PostgreSQL', () => stores.open())

  it('PostgreSQL → backup → PGlite → backup gives identical checksums, and back again', async () => {
    const source = await stores.open()
    await appendVariedLog(source, 10)
    const fromPostgres = await createBackup(source, { dir: await backupDir(), chunkEvents: 13 })
    const laptop = await lite.open()
    await restoreBackup(laptop, fromPostgres.path)
    const fromPglite = await createBackup(laptop, { dir: await backupDir(), chunkEvents: 13 })
    expect(fromPglite.manifest.source.kind).toBe('pglite')
    expect(fromPglite.manifest.logSha256).toBe(fromPostgres.manifest.logSha256)
    expect(fromPglite.manifest.chunks).toEqual(fromPostgres.manifest.chunks)
    // …and a PGlite log moves to a server.
    const server = await stores.open()
    await restoreBackup(server, fromPglite.path)
    expect(await keptLog(server)).toEqual(await keptLog(source))
  })

  it('a backup taken during 16 concurrent writers, some committing late, restores to a consistent log', async () => {
    // Sixteen transactions of their own: with group commit the twelve plain writers share one
    // statement in flight, which waits behind a late writer's locks, and often no late commit then
    // straddles the snapshot (the case under test). Batches' own order: group-commit.int.test.ts.
    const source = await stores.open({ groupCommit: false })
    const dir = await backupDir()
    const streams = Array.from({ length: 64 }, (_, i) => `stream-${i}`)
    const resolvedBefore = new Set<string>()
    let backupStarted = false
    const appended: { batch: string; size: number; resolvedBeforeBackup: boolean }[] = []
    let stop = false
    const appendOnce = async (
      w: number,
      n: number,
      writes: { streamId: string; events: { type: string; data: unknown; metadata: Record<string, unknown> }[] }[],
      picked: string[],
    ) => {
      if (w < 4) {
        // Late commits: the transaction takes its id and positions now and commits a while later,
        // after others that started after it have committed.
        await source.driver.transaction(async (tx) => {
          const result = await appendEvents(tx, source.schema, planAppend(writes, {}))
          if (!result.ok) throw result.error
          await sleep(15 + ((w * 13 + n * 7) % 40))
        })
        return
      }
      const result = await source.append(writes, {
        expectedVersions: Object.fromEntries(picked.map((s) => [s, ANY_VERSION])),
      })
      if (!result.ok) throw result.error
    }
    const writer = async (w: number) => {
      for (let n = 0; !stop; n++) {
        const batch = randomUUID()
        const picked = [streams[(w * 4 + n) % 64], streams[(w * 7 + n * 3 + 1) % 64]].filter(
          (s, i, all): s is string => s !== undefined && all.indexOf(s) === i,
        )
        const writes = picked.map((streamId) => ({
          streamId,
          events: [1, 2].map((k) => ({
            type: 'Moved',
            data: { w, n, k },
            metadata: { batch, size: picked.length * 2 },
          })),
        }))
        // Writers collide on streams (a unique violation, a deadlock between two multi-stream
        // appends, or a conflict after the store's own retries): nothing was written then, so the
        // same append is simply tried again.
        for (let attempt = 1; ; attempt++) {
          try {
            await appendOnce(w, n, writes, picked)
            break
          } catch (error) {
            if (attempt === 50 || !collided(error)) throw error
            await sleep(attempt)
          }
        }
        const resolvedBeforeBackup = !backupStarted
        if (resolvedBeforeBackup) resolvedBefore.add(batch)
        appended.push({ batch, size: picked.length * 2, resolvedBeforeBackup })
      }
    }
    const writers = Array.from({ length: 16 }, (_, w) => writer(w))
    await sleep(400)
    backupStarted = true
    const full = await createBackup(source, { dir, chunkEvents: 50 })
    await sleep(300)
    const middle = await createBackup(source, { dir, incremental: true, chunkEvents: 50 })
    await sleep(200)
    stop = true
    await Promise.all(writers)
    const last = await createBackup(source, { dir, incremental: true })
    expect(full.manifest.events).toBeGreaterThan(100)
    expect(middle.manifest.events).toBeGreaterThan(0)

    // The full backup alone: verifies (streams contiguous), holds every append that had finished
    // before it started, and holds each multi-stream append whole or not at all.
    expect((await verifyBackup(full.path)).problems).toEqual([])
    const atSnapshot = await stores.open()
    await restoreBackup(atSnapshot, full.path)
    const batches = new Map<string, number>()
    for (const event of await keptLog(atSnapshot)) {
      const { batch } = JSON.parse(String(event.metadata)) as { batch: string }
      batches.set(batch, (batches.get(batch) ?? 0) + 1)
    }
    const sizes = new Map(appended.map((a) => [a.batch, a.size]))
    for (const [batch, count] of batches) expect(count).toBe(sizes.get(batch))
    for (const batch of resolvedBefore) expect(batches.has(batch)).toBe(true)

    // The whole chain: exactly the source's events, late commits included.
    expect((await verifyBackup(last.path, { deep: true })).problems).toEqual([])
    const restored = await stores.open()
    await restoreBackup(restored, last.path)
    const byPosition = (log: Awaited<ReturnType<typeof keptLog>>) =>
      [...log].sort((a, b) => a.globalPosition - b.globalPosition)
    const sourceLog = await keptLog(source)
    expect(sourceLog.length).toBe(appended.reduce((sum, a) => sum + a.size, 0))
    expect(byPosition(await keptLog(restored))).toEqual(byPosition(sourceLog))
    // Late commits did straddle the snapshot: events the full backup could not see sit below its
    // highest position (a cursor of positions alone would have skipped them).
    const seen = new Set((await keptLog(atSnapshot)).map((e) => e.eventId))
    const lateOnes = sourceLog.filter(
      (e) => !seen.has(e.eventId) && e.globalPosition < (full.manifest.lastPosition ?? 0),
    )
    expect(lateOnes.length).toBeGreaterThan(0)
  })
})
