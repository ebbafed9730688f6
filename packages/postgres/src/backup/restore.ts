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

// Events per load: one COPY, in one transaction.
const BATCH_EVENTS = 5000

interface Loader {
  take(block: EventBlock): Promise<void>
  finish(): Promise<Omit<RestoreResult, 'chain' | 'durationMs'>>
  /** Waits for the load in flight, whatever its outcome (after a problem was found in the backup). */
  settle(): Promise<void>
}

/** The events of one original transaction, with the verbatim texts of their data and metadata. */
type Group = {
  tx: number
  events: BackupEvent[]
  data: string[]
  metadata: string[]
  lastPosition: number
  recordedAt: string
}

/** A load's rows, column by column (COPY joins them into lines; a connection without COPY unnests them). */
type Columns = { [K in (typeof COLUMN_NAMES)[number]]: string[] }

const COLUMN_NAMES = [
  'transaction_id',
  'global_position',
  'event_id',
  'stream_id',
  'stream_version',
  'type',
  'schema_version',
  'data',
  'metadata',
  'recorded_at',
] as const
const COLUMN_TYPES = ['xid8', 'bigint', 'uuid', 'text', 'bigint', 'text', 'integer', 'jsonb', 'jsonb', 'timestamptz']

const emptyColumns = (): Columns => Object.fromEntries(COLUMN_NAMES.map((name) => [name, []])) as unknown as Columns

/**
 * Groups events by their original transaction and loads whole groups, thousands of events to a
 * database transaction, with COPY straight into the events table: positions kept, `data` and
 * `metadata` from their verbatim texts (numbers keep every digit), and each original transaction
 * its own reserved transaction id. One load is in flight while the next is read, so reading and
 * writing overlap.
 */
function createLoader(
  store: SqlEventStore,
  keep: Keep,
  present: { events: number; lastId: string } | undefined,
  transactionIds: { offset: bigint },
): Loader {
  const table = `${store.schema.quoted}.events (${COLUMN_NAMES.join(', ')})`
  const insert = unnestInsertSql(store.schema)
  let group: Group | undefined
  // Resuming: the store's events must be exactly the first kept transactions; those are passed over.
  let toPass = present?.events ?? 0
  let batch = emptyColumns()
  let batchEvents = 0
  let batchGroups = 0
  let inFlight: Promise<void> | undefined
  let committed = 0
  let events = 0
  let transactions = 0
  let skipped = 0
  let resumedAfter = 0
  let lastPosition: number | null = null
  let lastRecordedAt: string | null = null
  const load = async (columns: Columns, rows: number, groups: number) => {
    try {
      await store.driver.transaction(async (tx) => {
        // Its commit need not wait for the disk: the last, synchronous commit flushes them all.
        await tx.query(`SELECT set_config('synchronous_commit', 'off', true)`, [])
        if (tx.copyFrom) await tx.copyFrom(table, copyRows(columns, rows))
        else
          await tx.query(
            insert,
            COLUMN_NAMES.map((name) => columns[name]),
          )
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
  const send = async () => {
    if (batchEvents === 0) return
    const columns = batch
    const rows = batchEvents
    const groups = batchGroups
    batch = emptyColumns()
    batchEvents = 0
    batchGroups = 0
    await inFlight
    const next = load(columns, rows, groups)
    next.catch(() => {})
    inFlight = next
  }
  const close = async () => {
    if (!group) return
    const closing = group
    group = undefined
    const size = closing.events.length
    if (!keep(closing)) {
      skipped += size
      return
    }
    if (lastPosition === null || closing.lastPosition > lastPosition) lastPosition = closing.lastPosition
    if (lastRecordedAt === null || closing.recordedAt > lastRecordedAt) lastRecordedAt = closing.recordedAt
    if (toPass > 0) {
      toPass -= size
      const aligned = toPass > 0 || (toPass === 0 && closing.events.at(-1)?.id === present?.lastId)
      if (!aligned)
        throw new BackupError(
          'target-not-empty',
          `the target store (schema ${store.schema.name}) holds ${present?.events} events that are not the beginning of this backup: nothing was changed`,
        )
      resumedAfter += size
      return
    }
    const transactionId = String(transactionIds.offset + BigInt(closing.tx))
    for (const [i, event] of closing.events.entries()) {
      batch.transaction_id.push(transactionId)
      batch.global_position.push(String(event.position))
      batch.event_id.push(event.id)
      batch.stream_id.push(event.stream)
      batch.stream_version.push(String(event.version))
      batch.type.push(event.type)
      batch.schema_version.push(String(event.schemaVersion))
      batch.data.push(closing.data[i] ?? '')
      batch.metadata.push(closing.metadata[i] ?? '')
      batch.recorded_at.push(event.recordedAt)
    }
    batchEvents += size
    batchGroups++
    events += size
    transactions++
    if (batchEvents >= BATCH_EVENTS) await send()
  }
  return {
    async take(block) {
      for (const [i, event] of block.events.entries()) {
        if (group?.tx !== event.tx) {
          await close()
          group = { tx: event.tx, events: [], data: [], metadata: [], lastPosition: 0, recordedAt: event.recordedAt }
        }
        group.events.push(event)
        group.data.push(block.data[i] ?? '')
        group.metadata.push(block.metadata[i] ?? '')
        if (event.position > group.lastPosition) group.lastPosition = event.position
        if (event.recordedAt > group.recordedAt) group.recordedAt = event.recordedAt
      }
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

/**
 * The rows in COPY's text format: a tab between fields, backslash escapes. Numbers, ids and times
 * never need escaping; JSON text has no raw control characters, only backslashes to double; a
 * stream id or a type may hold anything.
 */
function copyRows(c: Columns, rows: number): string {
  let text = ''
  for (let i = 0; i < rows; i++)
    text += `${c.transaction_id[i]}\t${c.global_position[i]}\t${c.event_id[i]}\t${copyField(c.stream_id[i] ?? '')}\t${c.stream_version[i]}\t${copyField(c.type[i] ?? '')}\t${c.schema_version[i]}\t${copyJson(c.data[i] ?? '')}\t${copyJson(c.metadata[i] ?? '')}\t${c.recorded_at[i]}\n`
  return text
}

const COPY_SPECIAL = /[\\\t\n\r]/
const COPY_SPECIALS = /[\\\t\n\r]/g
const COPY_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' }
const copyField = (value: string) =>
  COPY_SPECIAL.test(value) ? value.replace(COPY_SPECIALS, (c) => COPY_ESCAPES[c] ?? c) : value
const copyJson = (json: string) => (json.includes('\\') ? json.replaceAll('\\', '\\\\') : json)

/** For a connection without COPY: the same rows as arrays, unnested in one INSERT. */
function unnestInsertSql(schema: SchemaName): string {
  const columns = COLUMN_NAMES.map((_, i) => `$${i + 1}::${COLUMN_TYPES[i]}[]`).join(', ')
  return `INSERT INTO ${schema.quoted}.events (${COLUMN_NAMES.join(', ')}) OVERRIDING SYSTEM VALUE
  SELECT * FROM unnest(${columns})`
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
): Promise<{ offset: bigint }> {
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
  return { offset: BigInt(row?.next ?? '0') - BigInt(firstOrdinal) }
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
