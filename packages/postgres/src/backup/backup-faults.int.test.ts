import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { StoreUnavailableError } from '@eventcore/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BackupError, createBackup, restoreBackup } from '../index.js'
import { openPostgresStore, type PostgresEventStore } from '../postgres-store.js'
import { canCreateScratchCluster, createScratchCluster, type ScratchCluster } from '../scratch-cluster.js'
import { keptLog } from './test-backup-log.js'

// Connections killed in the middle of a backup and of a restore, on a cluster of this file's own.
const APP = 'eventcore_backup_faults'
const EVENTS = 60_000

describe.runIf(canCreateScratchCluster() && process.getuid?.() === 0)(
  'backup and restore with a killed connection',
  () => {
    let cluster: ScratchCluster
    let root: string
    const stores: PostgresEventStore[] = []
    const open = async (database: string) => {
      await cluster.sql(`CREATE DATABASE ${database}`)
      const store = await openPostgresStore({ connectionString: cluster.url({ database, applicationName: APP }) })
      stores.push(store)
      return store
    }
    let source: PostgresEventStore

    beforeAll(async () => {
      cluster = await createScratchCluster()
      root = await mkdtemp(join(tmpdir(), 'eventcore-backup-faults-'))
      source = await open('source')
      // 30,000 transactions of two events (written with chosen transaction ids, fast).
      await source.driver.query(
        `INSERT INTO eventcore.events (transaction_id, event_id, stream_id, stream_version, type, data)
       SELECT (10 + (g - 1) / 100)::text::xid8, gen_random_uuid(), 's-' || (g % 97),
         row_number() OVER (PARTITION BY g % 97 ORDER BY g), 'Filled', jsonb_build_object('g', g)
       FROM generate_series(1, ${EVENTS}) g ORDER BY g`,
        [],
      )
    }, 120_000)
    afterAll(async () => {
      for (const store of stores) await store.close().catch(() => {})
      await cluster?.drop()
      if (root) await rm(root, { recursive: true, force: true })
    })

    it('a backup whose connection is killed fails as store-unavailable and leaves no folder; the next one works', async () => {
      const dir = join(root, 'killed-backup')
      let kills = 0
      const failure = await createBackup(source, {
        dir,
        chunkEvents: 1000,
        onProgress: (progress) => {
          // Issued at the first page: the other eleven are still to be read when it lands.
          if (progress.events >= 5000 && kills++ === 0)
            void cluster.terminateBackends({ database: 'source', applicationName: APP })
        },
      }).then(
        () => undefined,
        (error: unknown) => error,
      )
      expect(failure).toBeInstanceOf(StoreUnavailableError)
      expect(await readdir(dir)).toEqual([])
      const again = await createBackup(source, { dir })
      expect(again.manifest.events).toBe(EVENTS)
    })

    it('a restore whose connection is killed stops as interrupted; resume finishes it exactly', async () => {
      const { path } = await createBackup(source, { dir: join(root, 'for-restore') })
      const target = await open('target')
      // Killed again and again once it is under way: an idle connection's death is absorbed by the
      // pool, so the kills go on until one lands on a batch in flight.
      let killer: NodeJS.Timeout | undefined
      const kills: Promise<number>[] = []
      const failure = await restoreBackup(target, path, {
        onProgress: (progress) => {
          if (progress.phase === 'restore' && progress.events >= 20_000 && !killer)
            killer = setInterval(
              () => kills.push(cluster.terminateBackends({ database: 'target', applicationName: APP })),
              20,
            )
        },
      })
        .then(
          () => undefined,
          (error: unknown) => error,
        )
        .finally(() => clearInterval(killer))
      // Kills still on their way would land on what the test does next.
      await Promise.all(kills)
      expect(failure).toBeInstanceOf(BackupError)
      expect(failure).toMatchObject({ kind: 'interrupted', message: expect.stringContaining('resume') })
      const part = (await keptLog(target)).length
      expect(part).toBeGreaterThan(0)
      expect(part).toBeLessThan(EVENTS)
      await expect(restoreBackup(target, path)).rejects.toMatchObject({ kind: 'target-not-empty' })
      const result = await restoreBackup(target, path, { resume: true })
      expect(result.resumedAfter).toBe(part)
      expect(result.events).toBe(EVENTS - part)
      expect(await keptLog(target)).toEqual(await keptLog(source))
      // A store holding something else is refused even with resume, and left as it was.
      const other = await open('other')
      await other.append([{ streamId: 'elsewhere', events: [{ type: 'X', data: {} }] }])
      await expect(restoreBackup(other, path, { resume: true })).rejects.toMatchObject({ kind: 'target-not-empty' })
      expect(await keptLog(other)).toHaveLength(1)
    })
  },
)
