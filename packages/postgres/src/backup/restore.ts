import { randomBytes } from 'node:crypto'
import type { SchemaName } from '../schema-name.js'
import type { SqlEventStore } from '../sql-store.js'
import { withStoreErrors } from '../store-errors.js'
import {
  BackupError,
  type BackupEvent,
  type BackupProblem,
  type BackupProgress,
  type RestoreResult,
} from './backup-types.js'
import { type EventBlock, scanChain } from './chain-scan.js'
import { microsecondTime } from './event-line.js'
import { type ReadManifest, readChain } from './manifest.js'

/** Options of {@link restoreBackup}. */
export interface RestoreBackupOptions {
  /** Restore only the transactions whose events all sit at or before this global position. */
  readonly toPosition?: number
  /** Restore only the transactions recorded at or before this time (an event's time is its transaction's start). */
  readonly toTime?: Date
  readonly onProgress?: (progress: BackupProgress) => void
}

/**
 * Restores a backup (and the backups it continues) into an empty store, keeping ids, versions,
 * positions, metadata and times; each original transaction becomes one transaction, restored in
 * the backup's order, so the restored log reads back in the original order. Verifies the whole
 * chain first; refuses a store that has events (BackupError 'target-not-empty'), changing nothing.
 * Projection checkpoints of the target go back to the start and its dead letters are dropped:
 * transaction ids differ between clusters, so every projection rebuilds.
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
  const checked = await scanChain(chain, { onProgress: options.onProgress, phase: 'verify' })
  if (checked.problems.length > 0) throw invalid(path, checked.problems)
  const events = `${store.schema.quoted}.events`
  const [found] = await withStoreErrors('restore', () =>
    store.driver.query<{ found: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${events}) AS found`, []),
  )
  if (found?.found)
    throw new BackupError(
      'target-not-empty',
      `the target store (schema ${store.schema.name}) already holds events: a backup restores only into an empty store; nothing was changed`,
    )
  const loader = createLoader(store, keep)
  const loaded = await scanChain(chain, { onEvents: loader.take, onProgress: options.onProgress, phase: 'restore' })
  // The files changed between the check and the load: say so, with how far the load got.
  if (loaded.problems.length > 0) throw invalid(path, loaded.problems, ' while restoring (the store holds a part)')
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

// One statement per batch carries many transactions (BEGIN … COMMIT each) in one round trip.
const BATCH_BYTES = 2_000_000
const BATCH_TRANSACTIONS = 1000

interface Loader {
  take(block: EventBlock): Promise<void>
  finish(): Promise<Omit<RestoreResult, 'chain' | 'durationMs'>>
}

/**
 * Groups lines by their original transaction and sends each group as its own transaction, many
 * groups to a round trip. The lines go to the server as written (jsonb parses their numbers
 * exactly); positions are kept with OVERRIDING SYSTEM VALUE.
 */
function createLoader(store: SqlEventStore, keep: Keep): Loader {
  const insert = insertSql(store.schema)
  let tag = dollarTag()
  let group: { tx: number; lines: string[]; lastPosition: number; recordedAt: string; streams: Set<string> } | undefined
  let batch: string[] = []
  let batchBytes = 0
  let events = 0
  let transactions = 0
  let skipped = 0
  let lastPosition: number | null = null
  let lastRecordedAt: string | null = null
  const streams = new Set<string>()
  const send = async () => {
    if (batch.length === 0) return
    const text = batch.join('')
    batch = []
    batchBytes = 0
    await withStoreErrors('restore', () => store.driver.query(text))
  }
  const close = async () => {
    if (!group) return
    const closing = group
    group = undefined
    if (!keep(closing)) {
      skipped += closing.lines.length
      return
    }
    const json = `[${closing.lines.join(',')}]`
    while (json.includes(tag)) tag = dollarTag()
    batch.push(`BEGIN;SET LOCAL synchronous_commit = off;${insert}(${tag}${json}${tag}) AS x${COLUMNS};COMMIT;`)
    batchBytes += json.length
    events += closing.lines.length
    transactions++
    for (const stream of closing.streams) streams.add(stream)
    if (lastPosition === null || closing.lastPosition > lastPosition) lastPosition = closing.lastPosition
    if (lastRecordedAt === null || closing.recordedAt > lastRecordedAt) lastRecordedAt = closing.recordedAt
    if (batchBytes >= BATCH_BYTES || batch.length >= BATCH_TRANSACTIONS) await send()
  }
  const add = async (event: BackupEvent, line: string) => {
    if (group?.tx !== event.tx) {
      await close()
      group = { tx: event.tx, lines: [], lastPosition: 0, recordedAt: event.recordedAt, streams: new Set() }
    }
    group.lines.push(line)
    group.streams.add(event.stream)
    if (event.position > group.lastPosition) group.lastPosition = event.position
    if (event.recordedAt > group.recordedAt) group.recordedAt = event.recordedAt
  }
  return {
    async take({ events: decoded, lines }) {
      for (const [i, event] of decoded.entries()) await add(event, lines[i] ?? '')
    },
    async finish() {
      await close()
      await send()
      const projectionsReset = await withStoreErrors('restore', () => settle(store, lastPosition))
      return { events, transactions, streams: streams.size, lastPosition, lastRecordedAt, skipped, projectionsReset }
    },
  }
}

const COLUMNS = `(position bigint, id uuid, stream text, version bigint, type text, "schemaVersion" integer,
  data jsonb, metadata jsonb, "recordedAt" timestamptz) ORDER BY x.position`

function insertSql(schema: SchemaName): string {
  return `INSERT INTO ${schema.quoted}.events
  (global_position, event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at)
  OVERRIDING SYSTEM VALUE
  SELECT x.position, x.id, x.stream, x.version, x.type, x."schemaVersion", x.data, x.metadata, x."recordedAt"
  FROM jsonb_to_recordset`
}

const dollarTag = () => `$r${randomBytes(6).toString('hex')}$`

/**
 * The last, synchronous transaction (its commit flushes every earlier one to disk): new appends
 * number after the restored positions, and projections start over (their checkpoints were
 * transaction ids of another cluster, or of nothing).
 */
async function settle(store: SqlEventStore, lastPosition: number | null): Promise<number> {
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
    return reset.length
  })
}
