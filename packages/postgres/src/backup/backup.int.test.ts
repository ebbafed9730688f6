import { afterAll, describe, expect, it } from 'vitest'
import { createBackup, restoreBackup, verifyBackup } from '../index.js'
import type { SqlEventStore } from '../sql-store.js'
import { databaseUrl, pgliteStores, postgresStores } from '../test-database.js'
import { appendVariedLog, backupDirs, keptLog, transactionsOf } from './test-backup-log.js'

const backupDir = backupDirs(afterAll)

function describeBackups(name: string, open: () => Promise<SqlEventStore>) {
  describe(name, () => {
    it('restores a full backup into an empty store: same events, order and transactions', async () => {
      const source = await open()
      await appendVariedLog(source)
      const dir = await backupDir()
      const { path, manifest } = await createBackup(source, { dir, chunkEvents: 17 })
      expect(manifest).toMatchObject({ kind: 'full', events: 82, streams: 26, transactions: 42, firstTransaction: 1 })
      expect(manifest.chunks.length).toBe(Math.ceil(82 / 17))
      const report = await verifyBackup(path)
      expect(report.problems).toEqual([])
      expect(report).toMatchObject({ ok: true, events: 82, streams: 26, transactions: 42 })

      const target = await open()
      const result = await restoreBackup(target, path)
      expect(result).toMatchObject({ events: 82, transactions: 42, streams: 26, skipped: 0 })
      expect(await keptLog(target)).toEqual(await keptLog(source))
      expect((await transactionsOf(target)).map((ids) => ids.length)).toEqual(
        (await transactionsOf(source)).map((ids) => ids.length),
      )
      // Backed up again, the restored log gives the very same bytes.
      const again = await createBackup(target, { dir: await backupDir(), chunkEvents: 17 })
      expect(again.manifest.logSha256).toBe(manifest.logSha256)
      expect(again.manifest.chunks.map((c) => c.sha256)).toEqual(manifest.chunks.map((c) => c.sha256))

      // New appends number after the restored positions and check versions as usual.
      const next = await target.append(
        [{ streamId: 'account-1', events: [{ type: 'Deposited', data: { amount: 1 } }] }],
        {
          expectedVersions: { 'account-1': await source.streamVersion('account-1') },
        },
      )
      expect(next.ok).toBe(true)
      if (next.ok) expect(next.events[0]?.globalPosition).toBeGreaterThan(manifest.lastPosition ?? 0)
    })

    it('restores a chain of incrementals in order, including what committed after the parent', async () => {
      const source = await open()
      const dir = await backupDir()
      await appendVariedLog(source, 3)
      const full = await createBackup(source, { dir })
      const nothing = await createBackup(source, { dir, incremental: true })
      expect(nothing.manifest).toMatchObject({ kind: 'incremental', events: 0, parent: full.manifest.id })
      await appendVariedLog(source, 4)
      const second = await createBackup(source, { dir, incremental: true, chunkEvents: 5 })
      expect(second.manifest).toMatchObject({
        parent: nothing.manifest.id,
        since: nothing.manifest.snapshot,
        events: 18,
        firstTransaction: full.manifest.transactions + 1,
      })
      const report = await verifyBackup(second.path)
      expect(report.problems).toEqual([])
      expect(report.chain).toEqual([full.manifest.id, nothing.manifest.id, second.manifest.id])
      expect(report.events).toBe(full.manifest.events + 18)

      const target = await open()
      const result = await restoreBackup(target, second.path)
      expect(result.chain).toEqual(report.chain)
      expect(await keptLog(target)).toEqual(await keptLog(source))
      // The chain restores to the same bytes a full backup of the source gives.
      const whole = await createBackup(source, { dir: await backupDir() })
      const restoredWhole = await createBackup(target, { dir: await backupDir() })
      expect(restoredWhole.manifest.logSha256).toBe(whole.manifest.logSha256)
    })

    it('restores through a connection without COPY (a driver of your own) just the same', async () => {
      const source = await open()
      await appendVariedLog(source, 3)
      const { path } = await createBackup(source, { dir: await backupDir() })
      const target = await open()
      const withoutCopy: SqlEventStore = {
        ...target,
        driver: {
          ...target.driver,
          transaction: (work) => target.driver.transaction((tx) => work({ query: tx.query.bind(tx) })),
        },
      }
      await restoreBackup(withoutCopy, path)
      expect(await keptLog(target)).toEqual(await keptLog(source))
    })

    it('refuses an incremental over a database that went back in its history', async () => {
      const source = await open()
      const dir = await backupDir()
      await appendVariedLog(source, 2)
      const full = await createBackup(source, { dir })
      // As after a restore of the cluster to an earlier point: the last event the backup saw is gone.
      await source.driver.query(`DELETE FROM ${source.schema.quoted}.events WHERE global_position = $1`, [
        full.manifest.head?.position,
      ])
      await expect(createBackup(source, { dir, incremental: true })).rejects.toMatchObject({
        kind: 'no-parent',
        message: expect.stringContaining('take a full backup'),
      })
      // A full backup starts a history afresh, and an incremental continues it.
      await createBackup(source, { dir })
      await expect(createBackup(source, { dir, incremental: true })).resolves.toMatchObject({
        manifest: { kind: 'incremental', events: 0 },
      })
    })

    it('refuses an incremental backup with nothing to continue', async () => {
      const source = await open()
      await expect(createBackup(source, { dir: await backupDir(), incremental: true })).rejects.toMatchObject({
        kind: 'no-parent',
      })
    })

    it('refuses to restore into a store that has events, and changes nothing', async () => {
      const source = await open()
      await appendVariedLog(source, 2)
      const { path } = await createBackup(source, { dir: await backupDir() })
      const target = await open()
      await target.append([{ streamId: 'already-here', events: [{ type: 'X', data: { n: 1 } }] }])
      const before = await keptLog(target)
      await expect(restoreBackup(target, path)).rejects.toMatchObject({
        name: 'BackupError',
        kind: 'target-not-empty',
        message: expect.stringContaining('nothing was changed'),
      })
      expect(await keptLog(target)).toEqual(before)
    })

    it('restores to a time: exactly the transactions recorded up to it', async () => {
      const source = await open()
      await appendVariedLog(source, 3)
      // The server's clock is this machine's: a time after the first commits, before the next start.
      await new Promise((resolve) => setTimeout(resolve, 5))
      const until = new Date()
      await new Promise((resolve) => setTimeout(resolve, 5))
      await appendVariedLog(source, 2)
      const { path } = await createBackup(source, { dir: await backupDir() })
      const expected = (await keptLog(source)).filter(
        (e) => `${e.recordedAt.replace(' ', 'T')}Z` <= `${until.toISOString().slice(0, 23)}000Z`,
      )
      expect(expected.length).toBe(14)
      const target = await open()
      const result = await restoreBackup(target, path, { toTime: until })
      expect(result).toMatchObject({ events: 14, skipped: (await keptLog(source)).length - 14 })
      expect(await keptLog(target)).toEqual(expected)
    })

    it('restores to a position: whole transactions only, none cut in half', async () => {
      const source = await open()
      await appendVariedLog(source, 2)
      const { path } = await createBackup(source, { dir: await backupDir() })
      const log = await keptLog(source)
      // Position 3 sits inside the first multi-stream append (positions 2..4): it is left out whole.
      const target = await open()
      const result = await restoreBackup(target, path, { toPosition: (log[0]?.globalPosition ?? 0) + 2 })
      expect(await keptLog(target)).toEqual(log.slice(0, 1))
      expect(result.events).toBe(1)
    })

    it('resets projection checkpoints: a restored store rebuilds its read model', async () => {
      const source = await open()
      const target = await open()
      // A projection registered on the empty target before the restore.
      await target.driver.query(
        `INSERT INTO ${target.schema.quoted}.projections (name, version, cursor_transaction_id, cursor_position, processed)
         VALUES ('users', 1, '5', 7, 3)`,
        [],
      )
      await appendVariedLog(source, 1)
      const { path } = await createBackup(source, { dir: await backupDir() })
      const result = await restoreBackup(target, path)
      expect(result.projectionsReset).toBe(1)
      const [row] = await target.driver.query<{ tx: string; position: string; processed: string }>(
        `SELECT cursor_transaction_id::text AS tx, cursor_position::text AS position, processed::text AS processed
         FROM ${target.schema.quoted}.projections`,
        [],
      )
      expect(row).toEqual({ tx: '0', position: '0', processed: '0' })
    })

    it('deep-verifies a backup by restoring it into PGlite', async () => {
      const source = await open()
      await appendVariedLog(source, 5)
      const { path } = await createBackup(source, { dir: await backupDir() })
      const report = await verifyBackup(path, { deep: true })
      expect(report.problems).toEqual([])
      expect(report.deep).toBe(true)
    })
  })
}

const lite = pgliteStores(afterAll)
describeBackups('PGlite', () => lite.open())
describe.runIf(databaseUrl)('PostgreSQL', () => {
  const stores = postgresStores(afterAll)
  describeBackups('PostgreSQL', () => stores.open())
})
