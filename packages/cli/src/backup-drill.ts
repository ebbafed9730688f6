import { type BackupManifest, backupEvents, type SqlEventStore } from '@eventcore/postgres'

/**
 * Microseconds since the epoch of an ISO 8601 time with up to 6 fraction digits (a backup keeps
 * PostgreSQL's microseconds; a Date would drop three of them).
 */
export function microsOf(iso: string): number {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:?\d{2})$/.exec(iso)
  const seconds = match ? Date.parse(`${match[1]}${match[3]}`) : Number.NaN
  if (!match || Number.isNaN(seconds)) throw new Error(`not an ISO 8601 time: ${iso}`)
  return seconds * 1000 + Number((match[2] ?? '').padEnd(6, '0'))
}

/**
 * The `recordedAt` of each event of a backup, in the backup's (global) order, read from its chunk
 * files a block at a time: memory stays flat at any size. Checksums are `verifyBackup`'s job.
 */
export async function* recordedTimes(path: string): AsyncGenerator<string> {
  for await (const event of backupEvents(path)) yield event.recordedAt
}

/** The time a point-in-time drill restores to, and how many events of the backup were recorded by then. */
export interface DrillPoint {
  /** The `recordedAt` of the backup's middle event, rounded up to the millisecond (what `toTime` takes). */
  readonly toTime: Date
  /** The event whose time it is: its index in the backup's order. */
  readonly index: number
  /** Events of the backup recorded at or before `toTime`, to the microsecond. */
  readonly expected: number
}

/**
 * Picks the drill's time (the middle event's, rounded up to the millisecond a Date holds) and counts the
 * events recorded at or before it. Two passes over the times (`recordedTimes` of a backup), none
 * held in memory. Events are in
 * global order, which need not be time order (a transaction's time is when it began): the count
 * is over every event, not a prefix.
 */
export async function drillPoint(
  times: () => AsyncIterable<string>,
  manifest: Pick<BackupManifest, 'events'>,
): Promise<DrillPoint> {
  const index = Math.floor(manifest.events / 2)
  let seen = 0
  let middle: string | undefined
  for await (const recordedAt of times()) {
    if (seen === index) {
      middle = recordedAt
      break
    }
    seen += 1
  }
  if (middle === undefined) throw new Error(`the backup holds ${seen} events, not the ${manifest.events} it states`)
  // Rounded up, so the middle event is in: a Date has no microseconds.
  const toTime = new Date(Math.ceil(microsOf(middle) / 1000))
  const limit = toTime.getTime() * 1000
  let expected = 0
  for await (const recordedAt of times()) if (microsOf(recordedAt) <= limit) expected += 1
  return { toTime, index, expected }
}

/** Events in a store's log, counted by the database itself (not by the code under test). */
export async function countEvents(store: SqlEventStore): Promise<number> {
  const [row] = await store.driver.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${store.schema.quoted}.events`,
    [],
  )
  return row?.n ?? 0
}
