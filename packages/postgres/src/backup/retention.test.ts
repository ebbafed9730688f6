import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { BackupEntry, BackupManifest, RetentionPolicy } from './backup-types.js'
import { listBackups } from './repository.js'
import { isoWeek, planRetention, pruneBackups } from './retention.js'

vi.mock('./repository.js', () => ({ listBackups: vi.fn() }))

type Planned = Pick<BackupManifest, 'id' | 'createdAt' | 'kind' | 'parent'>

const idOf = (at: string, kind: 'full' | 'incremental') => `${at.replaceAll(/[-:.]/g, '')}-${kind}`
const full = (at: string): Planned => ({ id: idOf(at, 'full'), createdAt: at, kind: 'full', parent: null })
const incremental = (at: string, parent: Planned): Planned => ({
  id: idOf(at, 'incremental'),
  createdAt: at,
  kind: 'incremental',
  parent: parent.id,
})

// The plan names ids; tests read them back as times, which say more.
const timesOf = (backups: readonly Planned[], ids: readonly string[]) =>
  ids.map((id) => backups.find((b) => b.id === id)?.createdAt)

describe('planRetention', () => {
  const days = [
    '2026-11-29T10:00:00.000Z', // Sunday, week 48
    '2026-11-30T09:00:00.000Z', // Monday, week 49
    '2026-11-30T21:00:00.000Z',
    '2026-12-01T08:00:00.000Z',
    '2026-12-01T23:59:59.999Z',
    '2026-12-02T00:00:00.000Z',
  ].map(full)

  it('keeps the newest n with keepLast, naming each by its rank', () => {
    const plan = planRetention(days, { keepLast: 2 })
    expect(plan.keep).toEqual([
      { id: days[5]?.id, reasons: ['last 1'] },
      { id: days[4]?.id, reasons: ['last 2'] },
    ])
    expect(timesOf(days, plan.remove)).toEqual(
      days
        .slice(0, 4)
        .reverse()
        .map((b) => b.createdAt),
    )
  })

  it('keeps the newest backup of each of the last n UTC days that have one', () => {
    const plan = planRetention(days, { keepDaily: 3 })
    expect(plan.keep).toEqual([
      { id: days[5]?.id, reasons: ['daily 2026-12-02'] },
      { id: days[4]?.id, reasons: ['daily 2026-12-01'] },
      { id: days[2]?.id, reasons: ['daily 2026-11-30'] },
    ])
  })

  it('buckets weeks by ISO week (Monday first) and months by UTC month', () => {
    expect(planRetention(days, { keepWeekly: 5 }).keep).toEqual([
      { id: days[5]?.id, reasons: ['weekly 2026-W49'] },
      { id: days[0]?.id, reasons: ['weekly 2026-W48'] },
    ])
    expect(planRetention(days, { keepMonthly: 1 }).keep).toEqual([{ id: days[5]?.id, reasons: ['monthly 2026-12'] }])
  })

  it('lets one backup be kept by several rules, each counting it', () => {
    const plan = planRetention(days, { keepLast: 1, keepDaily: 2, keepMonthly: 2 })
    expect(plan.keep).toEqual([
      { id: days[5]?.id, reasons: ['last 1', 'daily 2026-12-02', 'monthly 2026-12'] },
      { id: days[4]?.id, reasons: ['daily 2026-12-01'] },
      { id: days[2]?.id, reasons: ['monthly 2026-11'] },
    ])
  })

  it('orders by creation time, not by the order given', () => {
    const shuffled = [days[3], days[5], days[0], days[1], days[4], days[2]].filter((b) => b !== undefined)
    expect(planRetention(shuffled, { keepLast: 1 }).keep.map((k) => k.id)).toEqual([days[5]?.id])
  })

  it('keeps the whole chain a kept incremental continues', () => {
    const base = full('2026-12-01T00:00:00.000Z')
    const first = incremental('2026-12-01T06:00:00.000Z', base)
    const second = incremental('2026-12-01T12:00:00.000Z', first)
    const other = full('2026-11-01T00:00:00.000Z')
    const plan = planRetention([other, base, first, second], { keepLast: 1 })
    expect(plan.keep).toEqual([
      { id: second.id, reasons: ['last 1'] },
      { id: first.id, reasons: [`parent of ${second.id}`] },
      { id: base.id, reasons: [`parent of ${first.id}`] },
    ])
    expect(plan.remove).toEqual([other.id])
  })

  it('keeps everything under a policy without a number (or with only zeros)', () => {
    for (const policy of [{}, { keepLast: 0, keepDaily: 0 }]) {
      const plan = planRetention(days, policy)
      expect(plan.remove).toEqual([])
      expect(plan.keep.map((k) => k.reasons)).toEqual(days.map(() => ['no policy']))
    }
  })

  it('refuses a count that is not a whole number ≥ 0', () => {
    expect(() => planRetention(days, { keepDaily: -1 })).toThrow(/keepDaily must be a whole number/)
    expect(() => planRetention(days, { keepLast: 1.5 })).toThrow(/keepLast must be a whole number/)
  })

  it('refuses a manifest without a valid time', () => {
    expect(() => planRetention([{ ...full('2026-12-01T00:00:00.000Z'), createdAt: 'yesterday' }], {})).toThrow(
      /no valid createdAt/,
    )
  })
})

describe('isoWeek', () => {
  it.each([
    ['2026-12-28T00:00:00Z', '2026-W53'], // 2026 has 53 ISO weeks (it starts on a Thursday)
    ['2027-01-03T23:00:00Z', '2026-W53'],
    ['2027-01-04T00:00:00Z', '2027-W01'],
    ['2024-12-30T00:00:00Z', '2025-W01'],
    ['2021-01-01T00:00:00Z', '2020-W53'],
    ['2026-12-02T14:15:00Z', '2026-W49'],
  ])('puts %s in %s', (at, week) => {
    expect(isoWeek(new Date(at))).toBe(week)
  })
})

// Backups as a property test sees them: times over a few months, some incremental on an older one.
const arbitraryBackups = fc
  .uniqueArray(fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 5, 1) }), { minLength: 1, maxLength: 40 })
  .chain((times) =>
    fc.tuple(
      fc.constant(times.sort((a, b) => a - b)),
      fc.array(fc.option(fc.nat(), { nil: undefined }), { minLength: times.length, maxLength: times.length }),
    ),
  )
  .map(([times, parents]) => {
    const backups: Planned[] = []
    times.forEach((time, index) => {
      const at = new Date(time).toISOString()
      const parentPick = parents[index]
      const parent = index > 0 && parentPick !== undefined ? backups[parentPick % index] : undefined
      backups.push(parent === undefined ? full(at) : incremental(at, parent))
    })
    return backups
  })

const arbitraryCount = fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined })
const arbitraryPolicy = fc.record(
  { keepLast: arbitraryCount, keepDaily: arbitraryCount, keepWeekly: arbitraryCount, keepMonthly: arbitraryCount },
  { requiredKeys: [] },
)
const defined = (policy: RetentionPolicy): RetentionPolicy =>
  Object.fromEntries(Object.entries(policy).filter(([, value]) => value !== undefined))

describe('planRetention, for any backups and policy', () => {
  it('keeps the newest backup when any count is ≥ 1', () => {
    fc.assert(
      fc.property(arbitraryBackups, arbitraryPolicy, (backups, raw) => {
        const policy = defined(raw)
        fc.pre(Object.values(policy).some((n) => n >= 1))
        expect(planRetention(backups, policy).keep[0]?.id).toBe(backups.at(-1)?.id)
      }),
    )
  })

  it('keeps the whole parent chain of every kept incremental', () => {
    fc.assert(
      fc.property(arbitraryBackups, arbitraryPolicy, (backups, raw) => {
        const plan = planRetention(backups, defined(raw))
        const keptIds = new Set(plan.keep.map((k) => k.id))
        for (const backup of backups)
          if (keptIds.has(backup.id) && backup.parent !== null) expect(keptIds.has(backup.parent)).toBe(true)
      }),
    )
  })

  it('splits the backups into kept and removed, every kept one with a reason', () => {
    fc.assert(
      fc.property(arbitraryBackups, arbitraryPolicy, (backups, raw) => {
        const plan = planRetention(backups, defined(raw))
        expect([...plan.keep.map((k) => k.id), ...plan.remove].sort()).toEqual(backups.map((b) => b.id).sort())
        for (const k of plan.keep) expect(k.reasons.length).toBeGreaterThan(0)
      }),
    )
  })

  it('removes nothing under an empty policy', () => {
    fc.assert(
      fc.property(arbitraryBackups, (backups) => {
        expect(planRetention(backups, {}).remove).toEqual([])
      }),
    )
  })

  it('keeps at most n per rule, one per day, week or month, the newest of each', () => {
    fc.assert(
      fc.property(arbitraryBackups, fc.integer({ min: 1, max: 6 }), (backups, n) => {
        const plan = planRetention(
          backups.map((b) => ({ ...b, kind: 'full' as const, parent: null })),
          { keepDaily: n },
        )
        const byDay = new Map<string, string>()
        for (const b of backups) byDay.set(b.createdAt.slice(0, 10), b.id) // ascending: the last is the newest
        const newestDays = [...byDay.keys()].sort().reverse().slice(0, n)
        expect(plan.keep.map((k) => k.id)).toEqual(newestDays.map((day) => byDay.get(day)))
        expect(plan.keep.map((k) => k.reasons)).toEqual(newestDays.map((day) => [`daily ${day}`]))
      }),
    )
  })
})

describe('pruneBackups', () => {
  let dir: string
  const listed = vi.mocked(listBackups)
  const entry = (backup: Planned): BackupEntry => ({
    ok: true,
    id: backup.id,
    path: join(dir, backup.id),
    manifest: { ...backup } as unknown as BackupManifest,
  })
  const backups = [full('2026-12-01T00:00:00.000Z'), full('2026-12-02T00:00:00.000Z'), full('2026-12-03T00:00:00.000Z')]

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'eventcore-prune-'))
    for (const backup of backups) {
      await mkdir(join(dir, backup.id))
      await writeFile(join(dir, backup.id, 'manifest.json'), '{}')
    }
    await mkdir(join(dir, 'notes'))
    await writeFile(join(dir, 'README'), 'kept')
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('removes the folders of the backups the plan does not keep, and nothing else', async () => {
    listed.mockResolvedValue([
      ...backups.map(entry),
      { ok: false, id: 'notes', path: join(dir, 'notes'), problem: { kind: 'not-a-backup', detail: 'no manifest' } },
    ])
    const result = await pruneBackups(dir, { keepLast: 1 })
    expect(result.removed).toEqual([backups[1]?.id, backups[0]?.id])
    expect((await readdir(dir)).sort()).toEqual(['README', backups[2]?.id, 'notes'].sort())
  })

  it('removes nothing with dryRun, returning the same plan', async () => {
    listed.mockResolvedValue(backups.map(entry))
    const result = await pruneBackups(dir, { keepLast: 1 }, { dryRun: true })
    expect(result.removed).toEqual([])
    expect(result.remove).toEqual([backups[1]?.id, backups[0]?.id])
    expect((await readdir(dir)).length).toBe(5)
  })

  it('refuses an id that is not a plain folder name, removing nothing', async () => {
    const sneaky = { ...full('2026-11-01T00:00:00.000Z'), id: '../outside' }
    listed.mockResolvedValue([...backups.map(entry), { ...entry(sneaky), id: '../outside' }])
    await expect(pruneBackups(dir, { keepLast: 1 })).rejects.toThrow(/not a plain backup name/)
    expect((await readdir(dir)).length).toBe(5)
  })

  it('refuses a backup whose manifest names another folder', async () => {
    const [first, ...rest] = backups
    if (first === undefined) throw new Error('no backups')
    listed.mockResolvedValue([{ ...entry(first), id: 'elsewhere' }, ...rest.map(entry)])
    await expect(pruneBackups(dir, { keepLast: 1 })).rejects.toThrow(/its folder is named elsewhere/)
    expect((await readdir(dir)).length).toBe(5)
  })
})
