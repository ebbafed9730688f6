/** The file format's name, first field of every manifest. */
export const BACKUP_FORMAT = 'eventcore-backup'
/** The manifest and event-line layout this code writes and reads. */
export const BACKUP_FORMAT_VERSION = 1
/** The manifest's file name inside a backup's directory. */
export const MANIFEST_FILE = 'manifest.json'

/** A full backup holds the whole log; an incremental one what committed after its parent's snapshot. */
export type BackupKind = 'full' | 'incremental'

/** Where a backup was taken: a backup continues (is incremental to) only a backup of the same source. */
export interface BackupSource {
  readonly kind: 'postgres' | 'pglite'
  /** `pg_control_system().system_identifier`: one per cluster (a restored cluster gets its own). */
  readonly systemIdentifier: string
  readonly database: string
  readonly schema: string
}

/** One compressed file of newline-delimited JSON events, in global order. */
export interface BackupChunk {
  /** `chunk-000001.ndjson.gz`: a bare file name in the backup's directory, never a path. */
  readonly file: string
  readonly events: number
  /** Size of the compressed file. */
  readonly bytes: number
  /** SHA-256 of the compressed file, hex. */
  readonly sha256: string
  /** SHA-256 of its uncompressed lines, hex (independent of the compressor). */
  readonly contentSha256: string
}

/** What `manifest.json` holds. `checksum` is the SHA-256 of the manifest without it. */
export interface BackupManifest {
  readonly format: typeof BACKUP_FORMAT
  readonly formatVersion: typeof BACKUP_FORMAT_VERSION
  /** `20261202T141500123Z-full`: also the directory's name; sorts by time. */
  readonly id: string
  readonly kind: BackupKind
  /** The backup this one continues (incremental only). */
  readonly parent: string | null
  /** ISO 8601, UTC. */
  readonly createdAt: string
  readonly source: BackupSource
  /** The source's migration version. */
  readonly schemaVersion: number
  /** The database snapshot read (`pg_snapshot` text): where the next incremental starts. */
  readonly snapshot: string
  /** The parent's snapshot (incremental only): this backup holds what it did not see. */
  readonly since: string | null
  readonly events: number
  /** Distinct streams with events in this backup. */
  readonly streams: number
  readonly transactions: number
  /** Ordinal of this backup's first transaction in the whole log (1 for a full backup). */
  readonly firstTransaction: number
  readonly firstPosition: number | null
  readonly lastPosition: number | null
  /** ISO 8601 with microseconds, UTC. */
  readonly firstRecordedAt: string | null
  readonly lastRecordedAt: string | null
  /**
   * The event at the highest position of the log as far as this backup goes (its parents
   * included): an incremental first checks that it is still in the source, so a database restored
   * to an earlier point (transaction ids used again) or another one is never continued.
   */
  readonly head: { readonly position: number; readonly eventId: string } | null
  readonly chunks: readonly BackupChunk[]
  /** SHA-256 over every event line of this backup, in order. */
  readonly logSha256: string
  readonly checksum: string
}

/**
 * One event as a backup line holds it. `tx` is the ordinal of its original transaction in the log:
 * the events of one transaction are restored in one transaction. `data` and `metadata` are the
 * stored JSON, verbatim (numbers keep every digit); `recordedAt` keeps microseconds.
 */
export interface BackupEvent {
  readonly tx: number
  readonly position: number
  readonly id: string
  readonly stream: string
  readonly version: number
  readonly type: string
  readonly schemaVersion: number
  readonly data: unknown
  readonly metadata: unknown
  readonly recordedAt: string
}

/** Progress of a create, verify or restore, reported every few thousand events. */
export interface BackupProgress {
  readonly phase: 'create' | 'verify' | 'restore' | 'deep-verify'
  readonly events: number
  /** Events expected in all, when known. */
  readonly total?: number
}

/** What is wrong with a backup, named: the kind, the file and line where it was found. */
export interface BackupProblem {
  readonly kind:
    | 'not-a-backup'
    | 'manifest-invalid'
    | 'manifest-checksum'
    | 'chunk-name'
    | 'chunk-missing'
    | 'chunk-checksum'
    | 'chunk-truncated'
    | 'event-invalid'
    | 'order'
    | 'version-gap'
    | 'count-mismatch'
    | 'log-checksum'
    | 'chain-broken'
    | 'deep-mismatch'
  readonly file?: string
  readonly line?: number
  readonly detail: string
}

/** The outcome of {@link verifyBackup}: `ok` when `problems` is empty. */
export interface BackupVerification {
  readonly ok: boolean
  readonly path: string
  /** Ids of the backups checked, oldest first (an incremental brings its parents). */
  readonly chain: readonly string[]
  readonly events: number
  readonly streams: number
  readonly transactions: number
  readonly chunks: number
  readonly bytes: number
  /** Whether the chain was restored into an in-memory PGlite and compared (`deep`). */
  readonly deep: boolean
  readonly problems: readonly BackupProblem[]
  readonly durationMs: number
}

/** The outcome of {@link restoreBackup}. */
export interface RestoreResult {
  /** Ids of the backups restored, oldest first. */
  readonly chain: readonly string[]
  /** Events and transactions restored by this run. */
  readonly events: number
  readonly transactions: number
  /** Streams the store holds afterwards. */
  readonly streams: number
  readonly lastPosition: number | null
  readonly lastRecordedAt: string | null
  /** Events of the backups left out by `toPosition`/`toTime`. */
  readonly skipped: number
  /** Events that were already in the store from an interrupted restore (`resume`); 0 otherwise. */
  readonly resumedAfter: number
  /** Projection checkpoints moved back to the start (they rebuild): checkpoints of another cluster are meaningless. */
  readonly projectionsReset: number
  readonly durationMs: number
}

/** A backup found in a backup directory, or a directory there that is not a readable backup. */
export type BackupEntry =
  | { readonly ok: true; readonly id: string; readonly path: string; readonly manifest: BackupManifest }
  | { readonly ok: false; readonly id: string; readonly path: string; readonly problem: BackupProblem }

/** How many backups to keep, counted as restic and borg count them; every number is optional. */
export interface RetentionPolicy {
  /** The newest n backups. */
  readonly keepLast?: number
  /** The newest backup of each of the last n days that have one (UTC days). */
  readonly keepDaily?: number
  /** …of each of the last n ISO weeks that have one. */
  readonly keepWeekly?: number
  /** …of each of the last n months that have one. */
  readonly keepMonthly?: number
}

/** What a policy keeps and removes; a kept incremental keeps every backup it continues. */
export interface RetentionPlan {
  readonly keep: readonly { readonly id: string; readonly reasons: readonly string[] }[]
  readonly remove: readonly string[]
}

/** Why a backup operation could not run; `problems` names what was wrong with the backup. */
export type BackupErrorKind =
  | 'not-a-backup'
  | 'invalid-backup'
  | 'target-not-empty'
  | 'no-parent'
  | 'bad-option'
  | 'interrupted'
  | 'io'

/** An error of a backup operation (a store's own failures stay StoreUnavailableError etc.). */
export class BackupError extends Error {
  readonly kind: BackupErrorKind
  readonly problems: readonly BackupProblem[]

  constructor(
    kind: BackupErrorKind,
    message: string,
    options?: { problems?: readonly BackupProblem[]; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'BackupError'
    this.kind = kind
    this.problems = options?.problems ?? []
  }
}
