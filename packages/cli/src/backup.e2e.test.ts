// `backup …` and `validate backup` end to end: on an embedded PGlite directory (as a stopped service
// leaves it) and, with EVENTCORE_TEST_DATABASE_URL, on PostgreSQL. The binary runs once to prove
// it; the rest runs the same program in-process (each CLI process spends ~1.7 s starting).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Event } from '@eventcore/core'
import { type BackupManifest, openPgliteStore, type SqlEventStore } from '@eventcore/postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ChecklistReport } from './checklist/report.js'
import { runBuiltCli, runInProcess } from './test-cli.js'
import { databaseUrl, pgliteDataDir, postgresSchema, uniqueSchema } from './test-database.js'

const SLOW = 180_000

/** A small varied log: single- and two-stream appends. */
const writes = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => {
    const n = from + i
    const event = (type: string, data: unknown): Event => ({ type, data })
    return { streamId: `account-${n % 3}`, events: [event('Deposited', { amount: n }), event('Noted', `n${n}`)] }
  })

const json = <T>(text: string): T => JSON.parse(text) as T
const countIn = async (store: SqlEventStore) =>
  (await store.driver.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${store.schema.quoted}.events`, []))[0]?.n

/** Flips one byte in the middle of a file. */
function tamper(file: string): void {
  const bytes = readFileSync(file)
  const at = Math.floor(bytes.length / 2)
  bytes[at] = (bytes[at] ?? 0) ^ 0xff
  writeFileSync(file, bytes)
}

describe('backups of an embedded PGlite through the CLI', () => {
  let source: { dir: string; remove: () => void }
  let work: string
  let backups: string
  const ids: string[] = []
  const cli = (args: readonly string[]) => runInProcess(args, { EVENTCORE_BACKUP_DIR: backups })

  beforeAll(async () => {
    source = await pgliteDataDir(writes(1, 20))
    work = await mkdtemp(join(tmpdir(), 'eventcore-backup-e2e-'))
    backups = join(work, 'backups')
  }, SLOW)
  afterAll(() => {
    source?.remove()
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it(
    'creates a full backup (the built binary) and, after more events, an incremental one',
    async () => {
      const full = await runBuiltCli(['backup', 'create', '--data-dir', source.dir, '--json'], {
        EVENTCORE_BACKUP_DIR: backups,
      })
      expect(full.stderr).toBe('')
      expect(full.code).toBe(0)
      const created = json<{ path: string; manifest: BackupManifest; eventsPerSecond: number }>(full.stdout)
      expect(created.manifest).toMatchObject({ kind: 'full', events: 40, streams: 3, transactions: 20 })
      expect(created.path).toBe(join(backups, created.manifest.id))
      ids.push(created.manifest.id)

      const store = await openPgliteStore({ dataDir: source.dir })
      for (const write of writes(21, 5)) await store.append([write])
      await store.close()
      const incremental = await cli(['backup', 'create', '--data-dir', source.dir, '--incremental'])
      expect(incremental.code).toBe(0)
      expect(incremental.stdout).toMatch(/^backup \S+-incremental \(continues \S+-full\)\n/)
      expect(incremental.stdout).toMatch(/\n {2}events {8}10 \(positions 41\.\.50\)\n/)
      expect(incremental.stdout).toMatch(/\n {2}took {10}\d+ ms, \d+ events\/s\n/)
      ids.push(incremental.stdout.split(' ')[1] ?? '')
    },
    SLOW,
  )

  it('lists them oldest first, and a folder that is no backup with its problem', async () => {
    const run = await cli(['backup', 'list', '--json'])
    expect(run.code).toBe(0)
    const listed = json<{ backups: { id: string; ok: boolean; kind: string; events: number }[] }>(run.stdout)
    expect(listed.backups.map((b) => [b.id, b.kind, b.events])).toEqual([
      [ids[0], 'full', 40],
      [ids[1], 'incremental', 10],
    ])
    const stray = join(backups, 'stray')
    mkdirSync(stray)
    const text = await cli(['backup', 'list'])
    expect(text.stdout.split('\n')[0]).toMatch(/^ID +KIND +CREATED +EVENTS +STREAMS +POSITIONS +SIZE$/)
    expect(text.stdout).toMatch(new RegExp(`\\n${ids[0]} +full +\\S+ +40 +3 +1\\.\\.40 +[\\d.]+ (B|KiB)\\n`))
    expect(text.stdout).toMatch(/\nstray +\? .* not-a-backup: /)
    rmSync(stray, { recursive: true })
  })

  it(
    'verifies the incremental with its chain, and with --deep',
    async () => {
      const path = join(backups, ids[1] ?? '')
      const run = await cli(['backup', 'verify', path])
      expect(run.code).toBe(0)
      expect(run.stdout).toMatch(new RegExp(`^ok ${path} \\(chain of 2: ${ids[0]} → ${ids[1]}\\): 50 events`))
      const deep = await cli(['backup', 'verify', path, '--deep', '--json'])
      expect(deep.code).toBe(0)
      expect(json<{ ok: boolean; deep: boolean; events: number }>(deep.stdout)).toMatchObject({
        ok: true,
        deep: true,
        events: 50,
      })
    },
    SLOW,
  )

  it(
    'restores the chain into a new data directory, the same log; refuses a store with events, changing nothing',
    async () => {
      const target = join(work, 'restored')
      const run = await cli(['backup', 'restore', join(backups, ids[1] ?? ''), '--data-dir', target])
      expect(run.stderr).toBe('')
      expect(run.code).toBe(0)
      expect(run.stdout).toMatch(/\n {2}events {8}50\n/)
      expect(run.stdout).toMatch(/\nprojections reset to the start: \d+/)
      // The restored log backs up to the same checksum as a full backup of the source.
      const fromSource = json<{ manifest: BackupManifest }>(
        (await cli(['backup', 'create', '--data-dir', source.dir, '--json'])).stdout,
      )
      const fromTarget = json<{ manifest: BackupManifest }>(
        (await cli(['backup', 'create', '--data-dir', target, '--out', join(work, 'check'), '--json'])).stdout,
      )
      expect(fromTarget.manifest.logSha256).toBe(fromSource.manifest.logSha256)
      expect(fromTarget.manifest.events).toBe(50)
      ids.push(fromSource.manifest.id)

      const refused = await cli(['backup', 'restore', join(backups, ids[0] ?? ''), '--data-dir', source.dir])
      expect(refused.code).toBe(2)
      expect(refused.stderr).toMatch(/^error: .*already holds events.*nothing was changed\n$/)
      const store = await openPgliteStore({ dataDir: source.dir })
      try {
        expect(await countIn(store)).toBe(50)
      } finally {
        await store.close()
      }
    },
    SLOW,
  )

  it('prunes by policy: lists without --yes (exit 2), only lists with --dry-run, removes with --yes', async () => {
    const [full, incremental, newest] = ids
    const chain = await cli(['backup', 'prune', '--keep-last', '2', '--dry-run'])
    expect(chain.code).toBe(0)
    expect(chain.stdout).toMatch(new RegExp(`\\n${full} +keep +parent of ${incremental}\\n`))
    expect(chain.stdout).toMatch(/3 kept, nothing to remove\n$/)

    const asked = await cli(['backup', 'prune', '--keep-last', '1'])
    expect(asked.code).toBe(2)
    expect(asked.stdout).toMatch(/1 kept, 2 would remove\nNothing removed: add --yes/)
    const dry = await cli(['backup', 'prune', '--keep-last', '1', '--dry-run'])
    expect(dry.code).toBe(0)
    expect((await cli(['backup', 'list', '--json'])).stdout).toContain(full)

    const done = await cli(['backup', 'prune', '--keep-last', '1', '--yes', '--json'])
    expect(done.code).toBe(0)
    expect(json<{ removed: string[] }>(done.stdout).removed).toEqual([incremental, full])
    const left = json<{ backups: { id: string }[] }>((await cli(['backup', 'list', '--json'])).stdout)
    expect(left.backups.map((b) => b.id)).toEqual([newest])
  })

  it(
    "judges the checklist's backup items from validate backup with --backup-dir",
    async () => {
      const run = await runInProcess(
        ['checklist', '--data-dir', source.dir, '--backup-dir', backups, '--keep-last', '1', '--json'],
        {},
      )
      const items = json<ChecklistReport>(run.stdout).sections.flatMap((s) => s.groups.flatMap((g) => g.items))
      const status = (id: string) => items.find((item) => item.id === id)?.status
      for (const id of ['reliability.backups', 'reliability.backup-verification', 'reliability.recovery'])
        expect([id, status(id)]).toEqual([id, 'pass'])
      for (const id of ['reliability.pitr', 'reliability.retention', 'weekly.backups', 'monthly.dr'])
        expect([id, status(id)]).toEqual([id, 'pass'])
      expect(items.find((item) => item.id === 'reliability.backups')?.detail).toMatch(/WAL archiving/)
    },
    SLOW,
  )

  it(
    'validate backup passes on a healthy directory, each check with its figure, and fails on a tampered chunk',
    async () => {
      const args = ['validate', 'backup', '--data-dir', source.dir, '--keep-last', '1', '--max-age', '1h']
      const healthy = await cli(args)
      expect(healthy.stderr).toBe('')
      expect(healthy.code).toBe(0)
      const lines = healthy.stdout.trim().split('\n')
      expect(lines.map((line) => line.split(' — ')[0])).toEqual([
        expect.stringMatching(/^✅ newest backup age [\d.]+ h \(limit 1 h\)$/),
        '✅ newest backup verifies 50 events',
        expect.stringMatching(/^✅ backup create \d+ events\/s$/),
        '✅ backup verify 50 events',
        expect.stringMatching(/^✅ restore drill \d+ ms$/),
        expect.stringMatching(/^✅ point-in-time drill \d+ events$/),
        '✅ retention 0 backups to prune (limit 0 backups to prune)',
      ])
      expect(healthy.stdout).toMatch(/restore drill .* 50 events restored .* log checksum equal/)
      // The time of event 26 of 50 (two per transaction): its transaction's 26 events, none after.
      const drilled = Number(
        /point-in-time drill (\d+) events — .* exactly those recorded by then/.exec(healthy.stdout)?.[1],
      )
      expect(drilled).toBeGreaterThanOrEqual(26)
      expect(drilled).toBeLessThan(50)

      const newest = join(backups, ids[2] ?? '')
      tamper(join(newest, 'chunk-000001.ndjson.gz'))
      const verify = await cli(['backup', 'verify', newest])
      expect(verify.code).toBe(1)
      expect(verify.stdout).toMatch(/^1 problem\(s\) in .*:\nchunk-checksum {2}\S*chunk-000001\.ndjson\.gz {2}.+\n$/)
      const tampered = await cli([...args, '--json'])
      expect(tampered.code).toBe(1)
      const checks = json<{ checks: { name: string; status: string; detail: string }[] }>(tampered.stdout).checks
      expect(checks.find((c) => c.name === 'newest backup verifies')).toMatchObject({
        status: 'fail',
        detail: expect.stringMatching(/chunk-checksum/),
      })
      // The backup taken now is still whole: only the directory's newest is broken.
      expect(checks.filter((c) => c.status === 'fail').map((c) => c.name)).toEqual(['newest backup verifies'])
    },
    SLOW,
  )
})

describe.runIf(databaseUrl)('backups of PostgreSQL through the CLI', () => {
  const source = uniqueSchema('cli_backup_src')
  const target = uniqueSchema('cli_backup_dst')
  let work: string
  let dropSource: (() => Promise<void>) | undefined
  const env = (schema: string) => ({
    EVENTCORE_DATABASE_URL: databaseUrl ?? '',
    EVENTCORE_DATABASE_SCHEMA: schema,
    EVENTCORE_BACKUP_DIR: join(work, 'backups'),
  })

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'eventcore-backup-pg-'))
    const { store, drop } = await postgresSchema(source, { migrate: true })
    dropSource = drop
    for (const write of writes(1, 30)) await store.append([write])
  })
  afterAll(async () => {
    await dropSource?.()
    await (await postgresSchema(target, { migrate: false })).drop()
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it(
    'backs up, restores into an unmigrated schema to a position, refuses it the second time, and validates',
    async () => {
      const created = await runInProcess(['backup', 'create', '--json'], env(source))
      expect(created.code).toBe(0)
      const { path, manifest } = json<{ path: string; manifest: BackupManifest }>(created.stdout)
      expect(manifest).toMatchObject({ events: 60, streams: 3, transactions: 30 })

      const restored = await runInProcess(['backup', 'restore', path, '--to-position', '40'], env(target))
      expect(restored.stderr).toBe('')
      expect(restored.code).toBe(0)
      expect(restored.stdout).toMatch(/\n {2}events {8}40 \(20 later events of the backup left out\)\n/)
      const again = await runInProcess(['backup', 'restore', path], env(target))
      expect(again.code).toBe(2)
      expect(again.stderr).toMatch(/already holds events/)
      const { store } = await postgresSchema(target, { migrate: false })
      try {
        expect(await countIn(store)).toBe(40)
      } finally {
        await store.close()
      }

      const validated = await runInProcess(['validate', 'backup', '--keep-daily', '7'], env(source))
      expect(validated.stderr).toBe('')
      expect(validated.code).toBe(0)
      expect(validated.stdout).toMatch(/✅ restore drill .* 60 events restored .* log checksum equal/)
      expect(validated.stdout).toMatch(/✅ point-in-time drill \d+ events/)
    },
    SLOW,
  )
})
