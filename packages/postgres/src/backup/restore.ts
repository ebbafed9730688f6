import type { SchemaName } from '../schema-name.js'
import type { SqlEventStore } from '../sql-store.js'
import { storeError, withStoreErrors } from '../store-errors.js'
import {
  BackupError,
  type BackupEvent,
  type BackupProblem,
  type BackupProgress,
  type RestoreResult,
} from './backup-types.js'
import { checkChunkFiles, type EventBlock, scanChain } from './chain-scan.js'
import { microsecondTime } from './event-line.js'
import { type ReadManifest, readChain } from './manifest.js'

/** Options of {@link restoreBackup}. */
export interface RestoreBackupOptions {
  /** Restore only the transactions whose events all sit at or before this global position. */
  readonly toPosition?: number
  /** Restore only the transactions recorded at or before this time (an event's time is its transaction's start). */
  readonly toTime?: Date
  /**
   * Continue a restore that stopped part-way (the store then holds the backup's first
   * transactions, whole): checked, then the rest is restored. Without it such a store is refused.
   */
  readonly resume?: boolean
  readonly onProgress?: (progress: BackupProgress) => void
}

/**
 * Restores a backup (and the backups it continues) into an empty store, keeping ids, versions,
 * positions, metadata and times. Each original transaction keeps a transaction id of its own, in
 * the original order, and is loaded whole (several share a database transaction), so the restored
 * log reads back in the original order and grouping: backed up again, it gives the same bytes.
 *
 * Every chunk file is checked against its manifest before anything is written, and every line as
 * it is loaded. A store that has events is refused (BackupError 'target-not-empty'), unchanged; a
 * restore cut off by its database (BackupError 'interrupted') leaves the backup's first
 * transactions, whole, and `resume` goes on from there. Projection checkpoints of the target go
 * back to the start and its dead letters are dropped: every projection rebuilds. Writers and
 * readers of the target must wait until it is done.
 *
 * @example
 * const result = await restoreBackup(store, './backups/20261202T141500123Z-full', { toTime: new Date('2026-12-02T14:00:00Z') })
 */
export async function restoreBackup(
  store: SqlEventStore,
  path: string,
  options: RestoreBackupOptions = {},
): Promise<RestoreResult> {
  const started = performance.now()
  const keep = selection(options)
  const chain = await readChain(path)
  const damaged = await checkChunkFiles(chain)
  if (damaged.length > 0) throw invalid(path, damaged)
  const present = await storeHead(store)
  if (present && !options.resume)
    throw new BackupError(
      'target-not-empty',
      `the target store (schema ${store.schema.name}) already holds events: a backup restores only into an empty store (or, with resume, one an interrupted restore of this backup left); nothing was changed`,
    )
  const total = chain.reduce((sum, { manifest }) => sum + manifest.transactions, 0)
  const transactionIds = await withStoreErrors('restore', () =>
    reserveTransactionIds(store, total, chain[0]?.manifest.firstTransaction ?? 1),
  )
  const loader = createLoader(store, keep, present, transactionIds)
  const loaded = await scanChain(chain, { onEvents: loader.take, onProgress: options.onProgress, phase: 'restore' })
  if (loaded.problems.length > 0) {
    // Sound files with unsound lines: the loads before the first bad line stand (whole transactions).
    await loader.settle()
    throw invalid(path, loaded.problems, ' while restoring (the store holds the transactions before it)')
  }
  const done = await loader.finish()
  return { chain: chainIds(chain), ...done, durationMs: Math.round(performance.now() - started) }
}

const chainIds = (chain: readonly ReadManifest[]) => chain.map(({ manifest }) => manifest.id)

function invalid(path: string, problems: readonly BackupProblem[], when = '') {
  const [first] = problems
  return new BackupError(
    'invalid-backup',
    `${path}: ${problems.length} problem(s) found${when}; the first: ${first?.kind}: ${first?.detail}`,
    { problems },
  )
}

/** How many events the store holds and its last in global order; undefined when it is empty. */
async function storeHead(store: SqlEventStore): Promise<{ events: number; lastId: string } | undefined> {
  const s = store.schema.quoted
  const [row] = await withStoreErrors('restore', () =>
    store.driver.query<{ events: string; last_id: string }>(
      `SELECT (SELECT count(*) FROM ${s}.events)::text AS events,
         (SELECT event_id::text FROM ${s}.events ORDER BY transaction_id DESC, global_position DESC LIMIT 1) AS last_id`,
      [],
    ),
  )
  return row?.last_id ? { events: Number(row.events), lastId: row.last_id } : undefined
}

/** Which transactions a restore keeps. */
type Keep = (group: { readonly lastPosition: number; readonly recordedAt: string }) => boolean

function selection({ toPosition, toTime }: RestoreBackupOptions): Keep {
  if (toPosition !== undefined && toTime !== undefined)
    throw new BackupError('bad-option', 'give toPosition or toTime, not both')
  if (toPosition !== undefined) {
    if (!Number.isSafeInteger(toPosition) || toPosition < 0)
      throw new BackupError('bad-option', `toPosition must be a non-negative integer, not ${toPosition}`)
    return (group) => group.lastPosition <= toPosition
  }
  if (toTime !== undefined) {
    if (!(toTime instanceof Date) || Number.isNaN(toTime.getTime()))
      throw new BackupError('bad-option', `toTime must be a valid time, not ${String(toTime)}`)
    const limit = microsecondTime(toTime)
    return (group) => group.recordedAt <= limit
  }
  return () => true
}

// Events per load: one COPY and one INSERT … SELECT, in one transaction.
const BATCH_EVENTS = 5000

interface Loader {
  take(block: EventBlock): Promise<void>
  finish(): Promise<Omit<RestoreResult, 'chain' | 'durationMs'>>
  /** Waits for the load in flight, whatever its outcome (after a problem was found in the backup). */
  settle(): Promise<void>
}

type Group = {
  tx: number
  lines: string[]
  ids: string[]
  lastPosition: number
  recordedAt: string
}

/**
 * Groups lines by their original transaction and loads whole groups, thousands of events to a
 * database transaction: COPY into a temporary table, then one INSERT … SELECT that takes every
 * field from the line as jsonb (numbers keep every digit), keeps positions (OVERRIDING SYSTEM
 * VALUE) and gives each original transaction its own reserved transaction id. One load is in
 * flight while the next is read, so reading and writing overlap.
 */
function createLoader(
  store: SqlEventStore,
  keep: Keep,
  present: { events: number; lastId: string } | undefined,
  transactionIds: { offset: string },
): Loader {
  const insert = insertSql(store.schema)
  let group: Group | undefined
  // Resuming: the store's events must be exactly the first kept transactions; those are passed over.
  let toPass = present?.events ?? 0
  let batch: string[] = []
  let inFlight: Promise<void> | undefined
  let committed = 0
  let events = 0
  let transactions = 0
  let skipped = 0
  let resumedAfter = 0
  let lastPosition: number | null = null
  let lastRecordedAt: string | null = null
  const load = async (lines: string[], groups: number) => {
    try {
      await store.driver.transaction(async (tx) => {
        // Its commit need not wait for the disk: the last, synchronous commit flushes them all.
        await tx.query(`SELECT set_config('synchronous_commit', 'off', true)`, [])
        await tx.query('CREATE TEMPORARY TABLE eventcore_restore (line jsonb) ON COMMIT DROP', [])
        if (tx.copyFrom) await tx.copyFrom('pg_temp.eventcore_restore (line)', `${lines.map(copyText).join('\n')}\n`)
        else await tx.query('INSERT INTO pg_temp.eventcore_restore SELECT unnest($1::jsonb[])', [lines])
        await tx.query(insert, [transactionIds.offset])
      })
      committed += groups
    } catch (error) {
      throw new BackupError(
        'interrupted',
        `the restore stopped after ${committed} transactions of the backup (${storeError('restore', error).message}); the store holds them, whole: run it again with resume (and the same options) to go on`,
        { cause: error },
      )
    }
  }
  let batchGroups = 0
  const send = async () => {
    if (batch.length === 0) return
    const lines = batch
    const groups = batchGroups
    batch = []
    batchGroups = 0
    await inFlight
    const next = load(lines, groups)
    next.catch(() => {})
    inFlight = next
  }
  const close = async () => {
    if (!group) return
    const closing = group
    group = undefined
    if (!keep(closing)) {
      skipped += closing.lines.length
      return
    }
    if (lastPosition === null || closing.lastPosition > lastPosition) lastPosition = closing.lastPosition
    if (lastRecordedAt === null || closing.recordedAt > lastRecordedAt) lastRecordedAt = closing.recordedAt
    if (toPass > 0) {
      toPass -= closing.lines.length
      const aligned = toPass > 0 || (toPass === 0 && closing.ids.at(-1) === present?.lastId)
      if (!aligned)
        throw new BackupError(
          'target-not-empty',
          `the target store (schema ${store.schema.name}) holds ${present?.events} events that are not the beginning of this backup: nothing was changed`,
        )
      resumedAfter += closing.lines.length
      return
    }
    for (const line of closing.lines) batch.push(line)
    batchGroups++
    events += closing.lines.length
    transactions++
    if (batch.length >= BATCH_EVENTS) await send()
  }
  const add = async (event: BackupEvent, line: string) => {
    if (group?.tx !== event.tx) {
      await close()
      group = { tx: event.tx, lines: [], ids: [], lastPosition: 0, recordedAt: event.recordedAt }
    }
    group.lines.push(line)
    group.ids.push(event.id)
    if (event.position > group.lastPosition) group.lastPosition = event.position
    if (event.recordedAt > group.recordedAt) group.recordedAt = event.recordedAt
  }
  return {
    async take({ events: decoded, lines }) {
      for (const [i, event] of decoded.entries()) await add(event, lines[i] ?? '')
    },
    async settle() {
      await inFlight?.catch(() => {})
    },
    async finish() {
      await close()
      await send()
      await inFlight
      if (toPass > 0)
        throw new BackupError(
          'target-not-empty',
          `the target store (schema ${store.schema.name}) holds more events (${present?.events}) than this backup restores: it is not an interrupted restore of it`,
        )
      let settled: { projectionsReset: number; streams: number }
      try {
        settled = await settle(store, lastPosition)
      } catch (error) {
        throw new BackupError(
          'interrupted',
          `the restore stopped at its last step (${storeError('restore', error).message}); every event is in: run it again with resume to finish`,
          { cause: error },
        )
      }
      return {
        events,
        transactions,
        streams: settled.streams,
        lastPosition,
        lastRecordedAt,
        skipped,
        resumedAfter,
        projectionsReset: settled.projectionsReset,
      }
    },
  }
}

/** A line as COPY's text format reads it: backslash is its escape character (JSON has no raw tabs or newlines). */
const copyText = (line: string) => line.replaceAll('\\', '\\\\')

function insertSql(schema: SchemaName): string {
  return `INSERT INTO ${schema.quoted}.events (transaction_id, global_position, event_id, stream_id, stream_version,
    type, schema_version, data, metadata, recorded_at)
  OVERRIDING SYSTEM VALUE
  SELECT ($1::bigint + (l.line->>'tx')::bigint)::text::xid8, (l.line->>'position')::bigint, (l.line->>'id')::uuid,
    l.line->>'stream', (l.line->>'version')::bigint, l.line->>'type', (l.line->>'schemaVersion')::integer,
    l.line->'data', l.line->'metadata', (l.line->>'recordedAt')::timestamptz
  FROM pg_temp.eventcore_restore l`
}

/**
 * Takes `count` transaction ids, one for each transaction of the backup, in order: each is
 * started and committed (in a server-side loop), so every later transaction — the restore's own
 * loads, and every append after — gets a larger id, and each reserved id is below every running
 * transaction's: readAll sees the restored rows in the backup's order and grouping. Resolves the
 * offset that turns a transaction's ordinal in the backup into its id.
 */
async function reserveTransactionIds(
  store: SqlEventStore,
  count: number,
  firstOrdinal: number,
): Promise<{ offset: string }> {
  const [row] = await store.driver.query<{ next: string }>(
    'SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS next',
    [],
  )
  for (let left = count; left > 0; left -= RESERVE_ROUND) {
    const n = Math.min(left, RESERVE_ROUND)
    await store.driver.query(
      `DO $$ BEGIN FOR i IN 1..${n} LOOP
         PERFORM set_config('synchronous_commit', 'off', true), pg_current_xact_id(); COMMIT;
       END LOOP; END $$`,
    )
  }
  return { offset: String(BigInt(row?.next ?? '0') - BigInt(firstOrdinal)) }
}

const RESERVE_ROUND = 50_000

/**
 * The last, synchronous transaction (its commit flushes every earlier one to disk): new appends
 * number after the restored positions, and projections start over (their checkpoints were
 * transaction ids of another cluster, or of nothing).
 */
async function settle(
  store: SqlEventStore,
  lastPosition: number | null,
): Promise<{ projectionsReset: number; streams: number }> {
  const s = store.schema.quoted
  return store.driver.transaction(async (tx) => {
    if (lastPosition !== null)
      await tx.query(
        `SELECT setval(q.seq, greatest($1::bigint, coalesce(pg_sequence_last_value(q.seq::regclass), 0)))
         FROM (SELECT pg_get_serial_sequence('${s}.events', 'global_position') AS seq) q`,
        [lastPosition],
      )
    const reset = await tx.query(
      `UPDATE ${s}.projections SET cursor_transaction_id = '0', cursor_position = 0, processed = 0, updated_at = now(),
         state = CASE WHEN state = 'failed' THEN 'idle' ELSE state END,
         last_error = NULL, last_error_event_id = NULL, last_error_at = NULL
       RETURNING name`,
      [],
    )
    await tx.query(`DELETE FROM ${s}.dead_letters`, [])
    // Counted by the server: the restore holds no set of stream ids, whatever the log's size.
    const [row] = await tx.query<{ n: string }>(`SELECT count(DISTINCT stream_id)::text AS n FROM ${s}.events`, [])
    return { projectionsReset: reset.length, streams: Number(row?.n ?? 0) }
  })
}
