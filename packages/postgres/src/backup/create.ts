import { createHash } from 'node:crypto'
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { SqlConnection } from '../sql-driver.js'
import type { SqlEventStore } from '../sql-store.js'
import { withStoreErrors } from '../store-errors.js'
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  type BackupChunk,
  BackupError,
  type BackupKind,
  type BackupManifest,
  type BackupProgress,
  type BackupSource,
  MANIFEST_FILE,
} from './backup-types.js'
import { type ChunkWriter, openChunk } from './chunk-writer.js'
import { type BackupRow, backupPageSql, eventLine } from './event-line.js'
import { sealManifest } from './manifest.js'
import { listBackups } from './repository.js'

/** Options of {@link createBackup}. */
export interface CreateBackupOptions {
  /** The backup directory: the backup is written to a new folder in it, named by its id. */
  readonly dir: string
  /** Continue the newest backup of this source in `dir` instead of taking the whole log. */
  readonly incremental?: boolean
  /** Events per chunk file. @default 100000 */
  readonly chunkEvents?: number
  readonly onProgress?: (progress: BackupProgress) => void
}

/** A backup written: its folder and manifest. */
export interface CreatedBackup {
  readonly path: string
  readonly manifest: BackupManifest
}

const PAGE_SIZE = 1000

/**
 * Writes a consistent snapshot of the log (one database snapshot: never half of a transaction)
 * as gzip chunks of event lines in global order, then its manifest. Memory stays flat: the log is
 * read a page at a time and written as it is read. The folder appears under its id only when
 * complete (it is written as `.<id>.partial` and renamed).
 *
 * An incremental backup holds what its parent's snapshot did not see — whatever committed since,
 * including transactions that were already running then and committed later.
 *
 * @example
 * const { path, manifest } = await createBackup(store, { dir: './backups' })
 * const next = await createBackup(store, { dir: './backups', incremental: true })
 */
export async function createBackup(store: SqlEventStore, options: CreateBackupOptions): Promise<CreatedBackup> {
  const { dir, incremental = false, chunkEvents = 100_000, onProgress } = options
  if (!Number.isInteger(chunkEvents) || chunkEvents < 1)
    throw new BackupError('bad-option', `chunkEvents must be a positive integer, not ${chunkEvents}`)
  await mkdir(dir, { recursive: true })
  const kind: BackupKind = incremental ? 'incremental' : 'full'
  const createdAt = new Date()
  const id = await freeId(dir, createdAt, kind)
  const partial = join(dir, `.${id}.partial`)
  await mkdir(partial, { recursive: true })
  try {
    const source = await withStoreErrors('backup', () => sourceOf(store.driver, store))
    const parent = incremental ? await parentOf(dir, source) : undefined
    if (parent) await requireContinuation(store, parent)
    const body = await withStoreErrors('backup', () =>
      store.driver.transaction(async (tx) => {
        // One snapshot for the whole read: concurrent appends are either wholly in or wholly out.
        await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY')
        return writeLog(tx, store, { id, kind, createdAt, source, parent, partial, chunkEvents, onProgress })
      }),
    )
    const manifest = sealManifest(body)
    await writeFile(join(partial, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`)
    await syncPath(join(partial, MANIFEST_FILE))
    const path = join(dir, id)
    await rename(partial, path)
    await syncPath(dir)
    return { path, manifest }
  } catch (error) {
    await rm(partial, { recursive: true, force: true })
    throw error
  }
}

interface LogWrite {
  readonly id: string
  readonly kind: BackupKind
  readonly createdAt: Date
  readonly source: BackupSource
  readonly parent: BackupManifest | undefined
  readonly partial: string
  readonly chunkEvents: number
  readonly onProgress: ((progress: BackupProgress) => void) | undefined
}

async function writeLog(
  tx: SqlConnection,
  store: SqlEventStore,
  write: LogWrite,
): Promise<Omit<BackupManifest, 'checksum'>> {
  const { schema } = store
  const [start] = await tx.query<{ snapshot: string; schema_version: number | null }>(
    `SELECT pg_current_snapshot()::text AS snapshot, (SELECT max(version) FROM ${schema.quoted}.migrations) AS schema_version`,
  )
  const snapshot = start?.snapshot ?? ''
  const since = write.parent?.snapshot ?? null
  const firstTransaction = write.parent ? write.parent.firstTransaction + write.parent.transactions : 1
  const sql = backupPageSql(schema, { incremental: since !== null })
  // Every row below the older snapshot's xmin was visible to it: an incremental starts there.
  const cursor = { transactionId: since === null ? '0' : (since.split(':')[0] ?? '0'), position: '-1' }
  const logHash = createHash('sha256')
  const chunks: BackupChunk[] = []
  let chunk: ChunkWriter | undefined
  let inChunk = 0
  let events = 0
  let transactions = 0
  let lastTransactionId = ''
  let firstPosition: number | null = null
  let lastPosition: number | null = null
  let firstRecordedAt: string | null = null
  let lastRecordedAt: string | null = null
  let head: BackupManifest['head'] = write.parent?.head ?? null
  const page = (after: typeof cursor) =>
    tx.query<BackupRow>(sql, [after.transactionId, after.position, PAGE_SIZE, ...(since === null ? [] : [since])])
  let next: Promise<BackupRow[]> | undefined = page(cursor)
  while (next) {
    const rows: BackupRow[] = await next
    const last: BackupRow | undefined = rows.at(-1)
    // The next page is asked for before this one is written: the server reads while we encode.
    next =
      last && rows.length === PAGE_SIZE
        ? page({ transactionId: last.transaction_id, position: last.global_position })
        : undefined
    next?.catch(() => {})
    let lines = ''
    let linesEvents = 0
    const flush = async () => {
      if (linesEvents === 0) return
      chunk ??= openChunk(write.partial, chunks.length + 1)
      // Encoded once: the hashes and the compressor take the same bytes.
      const bytes = Buffer.from(lines)
      await chunk.write(bytes, linesEvents)
      logHash.update(bytes)
      inChunk += linesEvents
      lines = ''
      linesEvents = 0
      if (inChunk >= write.chunkEvents) {
        chunks.push(await chunk.finish())
        chunk = undefined
        inChunk = 0
      }
    }
    for (const row of rows) {
      if (row.transaction_id !== lastTransactionId) {
        transactions++
        lastTransactionId = row.transaction_id
      }
      lines += eventLine(row, firstTransaction + transactions - 1)
      linesEvents++
      events++
      const position = Number(row.global_position)
      if (firstPosition === null || position < firstPosition) firstPosition = position
      if (lastPosition === null || position > lastPosition) lastPosition = position
      if (head === null || position > head.position) head = { position, eventId: row.event_id }
      if (firstRecordedAt === null || row.recorded_at < firstRecordedAt) firstRecordedAt = row.recorded_at
      if (lastRecordedAt === null || row.recorded_at > lastRecordedAt) lastRecordedAt = row.recorded_at
      if (inChunk + linesEvents >= write.chunkEvents) await flush()
    }
    await flush()
    write.onProgress?.({ phase: 'create', events })
  }
  if (chunk) chunks.push(await chunk.finish())
  const streams = await countStreams(tx, store, since)
  return {
    format: BACKUP_FORMAT,
    formatVersion: BACKUP_FORMAT_VERSION,
    id: write.id,
    kind: write.kind,
    parent: write.parent?.id ?? null,
    createdAt: write.createdAt.toISOString(),
    source: write.source,
    schemaVersion: start?.schema_version ?? 0,
    snapshot,
    since,
    events,
    streams,
    transactions,
    firstTransaction,
    firstPosition,
    lastPosition,
    firstRecordedAt,
    lastRecordedAt,
    head,
    chunks,
    logSha256: logHash.digest('hex'),
  }
}

// Counted by the server in the same snapshot, so the client holds no set of stream ids.
async function countStreams(tx: SqlConnection, store: SqlEventStore, since: string | null): Promise<number> {
  const [row] = await tx.query<{ n: string }>(
    since === null
      ? `SELECT count(DISTINCT stream_id)::text AS n FROM ${store.schema.quoted}.events`
      : `SELECT count(DISTINCT stream_id)::text AS n FROM ${store.schema.quoted}.events e
         WHERE e.transaction_id >= split_part($1, ':', 1)::xid8 AND NOT pg_visible_in_snapshot(e.transaction_id, $1::pg_snapshot)`,
    since === null ? undefined : [since],
  )
  return Number(row?.n ?? 0)
}

async function sourceOf(tx: SqlConnection, store: SqlEventStore): Promise<BackupSource> {
  // pg_control_system() is for superusers unless granted: without it the database and schema name the source.
  const [row] = await tx.query<{ system_identifier: string; database: string }>(
    `SELECT CASE WHEN has_function_privilege('pg_control_system()', 'EXECUTE')
        THEN (SELECT system_identifier::text FROM pg_control_system()) ELSE 'unknown' END AS system_identifier,
      current_database() AS database`,
    [],
  )
  return {
    kind: 'db' in store ? 'pglite' : 'postgres',
    systemIdentifier: row?.system_identifier ?? 'unknown',
    database: row?.database ?? '',
    schema: store.schema.name,
  }
}

async function parentOf(dir: string, source: BackupSource): Promise<BackupManifest> {
  const same = JSON.stringify(source)
  const parent = (await listBackups(dir))
    .flatMap((entry) => (entry.ok && JSON.stringify(entry.manifest.source) === same ? [entry.manifest] : []))
    .at(-1)
  if (!parent)
    throw new BackupError(
      'no-parent',
      `no backup of ${source.database}/${source.schema} in ${dir} to continue: take a full backup first`,
    )
  return parent
}

/**
 * An incremental continues its parent only on the same history: the database has not gone back
 * (a transaction id counter behind the parent's snapshot) and still holds the parent's head event
 * where it was. A cluster restored to an earlier point uses transaction ids again, and an
 * incremental over it would pass over what they wrote.
 */
async function requireContinuation(store: SqlEventStore, parent: BackupManifest): Promise<void> {
  const [row] = await withStoreErrors('backup', () =>
    store.driver.query<{ next: string; found: boolean }>(
      `SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS next,
         ($1::bigint IS NULL OR EXISTS (SELECT 1 FROM ${store.schema.quoted}.events
           WHERE global_position = $1::bigint AND event_id = $2::uuid)) AS found`,
      [parent.head?.position ?? null, parent.head?.eventId ?? null],
    ),
  )
  const parentNext = BigInt(parent.snapshot.split(':')[1] ?? '0')
  const why =
    BigInt(row?.next ?? '0') < parentNext
      ? `its transaction ids are behind the snapshot of ${parent.id}`
      : row?.found === false
        ? `it no longer holds event ${parent.head?.eventId} at position ${parent.head?.position}, the last that ${parent.id} saw`
        : undefined
  if (why)
    throw new BackupError(
      'no-parent',
      `the database does not continue the history of the newest backup (${why}: restored to an earlier point, or another database): take a full backup`,
    )
}

/** `20261202T141500123Z-full`, a millisecond later while that folder exists. */
async function freeId(dir: string, at: Date, kind: BackupKind): Promise<string> {
  const names = new Set((await listBackups(dir)).map((entry) => entry.id))
  for (let ms = at.getTime(); ; ms++) {
    const id = `${new Date(ms).toISOString().replace(/[-:.]/g, '')}-${kind}`
    if (!names.has(id)) return id
  }
}

async function syncPath(path: string): Promise<void> {
  const handle = await open(path, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
