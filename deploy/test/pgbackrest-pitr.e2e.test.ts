// End to end: point-in-time recovery of the whole database with pgBackRest and the deploy kit's
// files (deploy/pgbackrest/). A scratch cluster archives its WAL with the shipped postgresql.conf
// fragment and the shipped pgbackrest.conf (only its paths and port made the test's own); the
// shipped cron lines take a full, then a differential backup between appends of the real store;
// the server's clock is noted after a commit, more is appended, and a second scratch cluster is
// restored to that time. It must hold exactly the events committed up to it, in the same global
// order, and take a new multi-stream append on top. The main cluster is never touched.
// Skipped, saying so, without pgBackRest or the cluster tools; in CI an absent one fails instead.
import { execFileSync } from 'node:child_process'
import { chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RecordedEvent, StreamWrite } from '@eventcore/core'
import { openPostgresStore, type PostgresEventStore } from '@eventcore/postgres'
import { canCreateScratchCluster, createScratchCluster, type ScratchCluster } from '@eventcore/postgres/testing'
import { binariesRequired } from '@eventcore/service/testing'
import { afterAll, describe, expect, it } from 'vitest'
import {
  cronJobs,
  type PgbackrestSettings,
  pgbackrestSettings,
  postgresqlSettings,
  readShipped,
  withOptions,
} from './pgbackrest-files.js'
import { runCommand } from './run-command.js'
import { until } from './until.js'

const STANZA = 'eventcore'

describe('the shipped pgBackRest files', () => {
  const settings: PgbackrestSettings = pgbackrestSettings(readShipped('config'))
  const option = (section: string, key: string) => settings.get(section)?.get(key)

  it('configure the eventcore stanza with retention, compression, async archiving and a fast start', () => {
    expect(option(STANZA, 'pg1-path')).toMatch(/^\/var\/lib\/postgresql\/\d+\/main$/)
    expect(option('global', 'repo1-type')).toBe('posix')
    expect(Number(option('global', 'repo1-retention-full'))).toBeGreaterThanOrEqual(2)
    expect(Number(option('global', 'repo1-retention-diff'))).toBeGreaterThanOrEqual(1)
    expect(option('global', 'compress-type')).toBe('zst')
    expect(option('global', 'archive-async')).toBe('y')
    expect(option('global', 'start-fast')).toBe('y')
  })

  it('archive WAL to that stanza', () => {
    const wal = postgresqlSettings(readShipped('postgresql'))
    expect(Object.fromEntries(wal)).toMatchObject({
      wal_level: 'replica',
      archive_mode: 'on',
      archive_command: `pgbackrest --stanza=${STANZA} archive-push %p`,
    })
    expect(wal.get('archive_timeout')).toMatch(/^\d+(s|min)$/)
  })

  it('schedule a weekly full and a daily differential backup of it, as postgres', () => {
    const jobs = cronJobs(readShipped('cron'))
    const backup = (type: string) => jobs.find((job) => job.command.includes(`--type=${type}`))
    expect(backup('full')).toMatchObject({ schedule: '30 1 * * 0', user: 'postgres' })
    expect(backup('diff')).toMatchObject({ schedule: '30 1 * * 1-6', user: 'postgres' })
    for (const job of jobs) expect(job.command.slice(0, 2)).toEqual(['pgbackrest', `--stanza=${STANZA}`])
  })
})

const hasPgbackrest = (() => {
  try {
    execFileSync('pgbackrest', ['version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()
// pgBackRest and the server run as postgres; only root can make scratch clusters and switch to it.
const isRoot = process.getuid?.() === 0
const available = hasPgbackrest && canCreateScratchCluster() && isRoot
const required = binariesRequired()
if (!available && !required) {
  console.warn(
    'skipping the pgBackRest PITR test: it needs pgbackrest (apt-get install -y pgbackrest), the PostgreSQL cluster tools and root',
  )
}

describe.skipIf(!available && !required)('point-in-time recovery with pgBackRest and the deploy kit', () => {
  const clusters: ScratchCluster[] = []
  const stores: PostgresEventStore[] = []
  let work: string | undefined
  const timings: Record<string, number> = {}

  afterAll(async () => {
    for (const store of stores) await store.close().catch(() => {})
    for (const cluster of clusters) await cluster.drop()
    if (work) rmSync(work, { recursive: true, force: true })
    console.info(`pgBackRest PITR steps (ms): ${JSON.stringify(timings)}`)
  })

  const step = async <T>(name: string, action: () => Promise<T>): Promise<T> => {
    const started = performance.now()
    try {
      return await action()
    } finally {
      timings[name] = Math.round(performance.now() - started)
    }
  }

  it('restores a second cluster to a noted time: exactly the events up to it, in order, and appends on top', async () => {
    if (!available) {
      throw new Error(
        `CI needs pgbackrest (apt-get install -y pgbackrest, see .ci/run), the PostgreSQL cluster tools and root: pgbackrest ${hasPgbackrest ? 'found' : 'missing'}, cluster tools ${canCreateScratchCluster() ? 'found' : 'missing'}, root ${isRoot}`,
      )
    }
    const started = performance.now()
    const postgres = {
      uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
      gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
    }
    const dir = mkdtempSync(join(tmpdir(), 'eventcore-pitr-'))
    work = dir
    // Made as the guide says to make them on a server: owned by postgres, before the first run.
    chownSync(dir, postgres.uid, postgres.gid)
    for (const name of ['repo', 'log', 'lock', 'spool']) {
      mkdirSync(join(dir, name))
      chownSync(join(dir, name), postgres.uid, postgres.gid)
    }

    const [source, target] = await step('createClusters', async () => {
      clusters.push(await createScratchCluster())
      clusters.push(await createScratchCluster())
      return clusters as [ScratchCluster, ScratchCluster]
    })
    const dataDirectory = async (cluster: ScratchCluster) =>
      (await cluster.sql<{ data_directory: string }>('SHOW data_directory'))[0]?.data_directory ?? ''
    const sourceData = await dataDirectory(source)
    const targetData = await dataDirectory(target)
    expect(sourceData).toMatch(new RegExp(`/${source.name}$`))
    expect(targetData).toMatch(new RegExp(`/${target.name}$`))

    // The shipped configuration, with the repository, logs, locks and spool in the test's folder and
    // the stanza pointing at the source cluster: every other option as shipped.
    const config = join(dir, 'pgbackrest.conf')
    writeFileSync(
      config,
      withOptions(readShipped('config'), {
        global: {
          'repo1-path': join(dir, 'repo'),
          'log-path': join(dir, 'log'),
          'lock-path': join(dir, 'lock'),
          'spool-path': join(dir, 'spool'),
        },
        [STANZA]: { 'pg1-path': sourceData, 'pg1-port': String(source.port) },
      }),
    )
    chownSync(config, postgres.uid, postgres.gid)
    const pgbackrest = async (args: readonly string[]) => {
      const run = await runCommand('runuser', ['-u', 'postgres', '--', 'pgbackrest', `--config=${config}`, ...args], {
        timeoutMs: 90_000,
      })
      const output = `pgbackrest ${args.join(' ')} → ${run.code}\n${run.stdout}${run.stderr}`
      if (run.code !== 0) throw new Error(output)
      // Warnings include options pgBackRest does not know or finds in the wrong section.
      expect(run.stderr, output).not.toMatch(/WARN|ERROR/)
      return run.stdout
    }
    const cronCommand = (type: string) => {
      const job = cronJobs(readShipped('cron')).find((j) => j.command.includes(`--type=${type}`))
      if (job?.command[0] !== 'pgbackrest') throw new Error(`no pgbackrest ${type} backup in the cron file`)
      return job.command.slice(1)
    }

    // The shipped postgresql.conf fragment, in the cluster's conf.d as the guide says, with only
    // the configuration's path added to its archive_command.
    await step('enableArchiving', async () => {
      const fragment = readShipped('postgresql')
      const archiveCommand = `pgbackrest --stanza=${STANZA} archive-push %p`
      expect(fragment).toContain(archiveCommand)
      writeFileSync(
        join(source.configDir, 'conf.d', 'pgbackrest.conf'),
        fragment.replace(archiveCommand, `pgbackrest --config=${config} --stanza=${STANZA} archive-push %p`),
      )
      await source.restart()
      const shown = await source.sql<{ name: string; setting: string }>(
        `SELECT name, setting FROM pg_settings WHERE name IN ('archive_mode', 'archive_command', 'wal_level')`,
      )
      expect(Object.fromEntries(shown.map((row) => [row.name, row.setting]))).toEqual({
        archive_mode: 'on',
        archive_command: `pgbackrest --config=${config} --stanza=${STANZA} archive-push %p`,
        wal_level: 'replica',
      })
    })
    await step('stanzaCreate', () => pgbackrest([`--stanza=${STANZA}`, 'stanza-create']))
    await step('check', () => pgbackrest([`--stanza=${STANZA}`, 'check']))
    await step('fullBackup', () => pgbackrest(cronCommand('full')))

    const store = await openPostgresStore({ connectionString: source.url() })
    stores.push(store)
    const appendAll = async (writes: readonly StreamWrite[][]) => {
      for (const write of writes) {
        const result = await store.append(write)
        if (!result.ok) throw result.error
      }
    }
    const deposit = (streamId: string, amount: number): StreamWrite => ({
      streamId,
      events: [{ type: 'Deposited', data: { amount }, metadata: { correlationId: `c-${streamId}-${amount}` } }],
    })
    // Multi-stream appends: each a transfer between two accounts, plus single-stream ones.
    const transfer = (from: string, to: string, amount: number): StreamWrite[] => [
      { streamId: from, events: [{ type: 'Withdrawn', data: { amount, to } }] },
      { streamId: to, events: [{ type: 'Deposited', data: { amount, from } }] },
    ]

    await step('appendBeforeDiff', () =>
      appendAll([
        [deposit('account-1', 100)],
        [deposit('account-2', 50)],
        transfer('account-1', 'account-2', 30),
        [deposit('account-3', 7)],
      ]),
    )
    await step('diffBackup', () => pgbackrest(cronCommand('diff')))
    // pgBackRest keeps a backup's stop time in whole seconds and picks a set only when it stopped
    // before the target: the target must lie a whole second past the differential's last one.
    const [{ eligible = '' } = {}] = await source.sql<{ eligible: string }>(
      `SELECT (date_trunc('second', clock_timestamp()) + interval '2 seconds')::text AS eligible`,
    )
    await step('appendAfterDiff', () =>
      appendAll([
        transfer('account-2', 'account-3', 10),
        [deposit('account-4', 1)],
        transfer('account-3', 'account-1', 5),
      ]),
    )

    await until(
      'the server clock two whole seconds past the differential',
      async () =>
        (await source.sql<{ later: boolean }>('SELECT clock_timestamp() >= $1::timestamptz AS later', [eligible]))[0],
      (row) => row?.later === true,
      5000,
      20,
    )
    // The target, from the server's clock after those commits; what follows commits strictly later.
    const [{ target: time = '' } = {}] = await source.sql<{ target: string }>(
      `SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00' AS target`,
    )
    await until(
      'the server clock past the target',
      async () =>
        (await source.sql<{ later: boolean }>('SELECT clock_timestamp() > $1::timestamptz AS later', [time]))[0],
      (row) => row?.later === true,
      5000,
      1,
    )
    const before = await readAll(store)

    await step('appendAfterTarget', () =>
      appendAll([
        transfer('account-1', 'account-4', 20),
        [deposit('account-5', 9)],
        [deposit('account-2', 3)],
        transfer('account-4', 'account-5', 1),
      ]),
    )
    const everything = await readAll(store)
    expect(everything.length).toBeGreaterThan(before.length)
    expect(everything.slice(0, before.length)).toEqual(before)
    // `check` switches to a new WAL segment and waits until pgBackRest has archived it.
    await step('archiveWal', () => pgbackrest([`--stanza=${STANZA}`, 'check']))

    const info: Array<{ backup?: Array<{ label: string; type: string; timestamp: { stop: number } }> }> = JSON.parse(
      await pgbackrest([`--stanza=${STANZA}`, '--output=json', 'info']),
    )
    const backups = info[0]?.backup ?? []
    expect(backups.map((b) => b.type)).toEqual(['full', 'diff'])
    const diffLabel = backups[1]?.label ?? ''
    // What a monitoring check reads (docs/operations/backup.md): the newest backup's stop time.
    const newestStop = (backups.at(-1)?.timestamp.stop ?? 0) * 1000
    expect(Date.now() - newestStop).toBeLessThan(performance.now() - started)

    const restoreLog = await step('restore', async () => {
      await target.stop()
      for (const entry of readdirSync(targetData)) rmSync(join(targetData, entry), { recursive: true, force: true })
      return pgbackrest([
        `--stanza=${STANZA}`,
        `--pg1-path=${targetData}`,
        '--type=time',
        `--target=${time}`,
        '--target-action=promote',
        // The restored copy must never push its own WAL into the source's repository.
        '--archive-mode=off',
        '--log-level-console=info',
        'restore',
      ])
    })
    // The differential taken before the target, then the WAL up to it.
    expect(restoreLog).toContain(`restore backup set ${diffLabel}`)

    await step('recover', async () => {
      await target.start()
      await until(
        'the restored cluster promoted',
        async () => (await target.sql<{ recovering: boolean }>('SELECT pg_is_in_recovery() AS recovering'))[0],
        (row) => row?.recovering === false,
        60_000,
        100,
      )
    })

    const restored = await openPostgresStore({ connectionString: target.url() })
    stores.push(restored)
    const recovered = await readAll(restored)
    // Ids, streams, versions, positions, transaction ids, data, metadata, times: all, in order.
    expect(recovered).toEqual(before)
    expect(recovered.map((e) => `${e.streamId}@${e.streamVersion}`)).toEqual([
      'account-1@1',
      'account-2@1',
      'account-1@2',
      'account-2@2',
      'account-3@1',
      'account-2@3',
      'account-3@2',
      'account-4@1',
      'account-3@3',
      'account-1@3',
    ])
    const versionAfterTarget = await store.streamVersion('account-1')
    expect(await restored.streamVersion('account-1')).toBe(3)
    expect(versionAfterTarget).toBe(4)
    expect(await restored.streamVersion('account-5')).toBe(0)

    // On top of the restored log: the version the lost appends reached is refused, the restored one taken.
    const onTop = transfer('account-1', 'account-6', 2)
    const stale = await restored.append(onTop, { expectedVersions: { 'account-1': versionAfterTarget } })
    expect(stale.ok).toBe(false)
    const appended = await restored.append(onTop, { expectedVersions: { 'account-1': 3, 'account-6': 0 } })
    if (!appended.ok) throw appended.error
    expect(Object.fromEntries(appended.versions)).toEqual({ 'account-1': 4, 'account-6': 1 })
    const after = await readAll(restored)
    expect(after.slice(0, recovered.length)).toEqual(recovered)
    expect(after.slice(recovered.length).map((e) => e.eventId)).toEqual(appended.events.map((e) => e.eventId))
    const last = recovered.at(-1)
    for (const event of appended.events) {
      expect(event.transactionId).toBeGreaterThan(last?.transactionId ?? 0)
      expect(event.globalPosition).toBeGreaterThan(last?.globalPosition ?? 0)
    }
    timings.total = Math.round(performance.now() - started)
  }, 180_000)
})

/** The whole global log, page by page, in `readAll` order. */
async function readAll(store: PostgresEventStore): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = []
  let page = await store.readAll({ limit: 100 })
  while (page.events.length > 0) {
    events.push(...page.events)
    page = await store.readAll({ after: page.cursor, limit: 100 })
  }
  return events
}
