import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { SqlEventStore } from '../sql-store.js'
import { databaseUrl, pgliteStores, postgresStores } from '../test-database.js'
import { createBackup, restoreBackup, verifyBackup } from './index.js'
import { appendVariedLog, keptLog, transactionsOf } from './test-backup-log.js'

const dirs: string[] = []
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})
async function backupDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'eventcore-backup-test-'))
  dirs.push(dir)
  return dir
}

function describeBackups(name: string, open: () => Promise<SqlEventStore>) {
  describe(name, () => {
    it('restores a full backup into an empty store: same events, order and transactions', async () => {
      const source = await open()
      await appendVariedLog(source)
      const dir = await backupDir()
      const { path, manifest } = await createBackup(source, { dir, chunkEvents: 17 })
      expect(manifest).toMatchObject({ kind: 'full', events: 80, streams: 24, transactions: 40, firstTransaction: 1 })
      expect(manifest.chunks.length).toBe(Math.ceil(80 / 17))
      const report = await verifyBackup(path)
      expect(report.problems).toEqual([])
      expect(report).toMatchObject({ ok: true, events: 80, streams: 24, transactions: 40 })

      const target = await open()
      const result = await restoreBackup(target, path)
      expect(result).toMatchObject({ events: 80, transactions: 40, streams: 24, skipped: 0 })
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
