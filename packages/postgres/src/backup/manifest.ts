import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { Type } from 'typebox'
import { Compile } from 'typebox/compile'
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  BackupError,
  type BackupManifest,
  type BackupProblem,
  MANIFEST_FILE,
} from './backup-types.js'

/** A chunk's file name: a bare name, so a manifest can never point outside its folder. */
export const CHUNK_FILE = /^chunk-\d{6}\.ndjson\.gz$/
/** A backup's id (and folder name). */
export const BACKUP_ID = /^\d{8}T\d{9}Z-(full|incremental)$/

const count = Type.Integer({ minimum: 0 })
const sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' })
const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])
const ManifestSchema = Type.Object({
  format: Type.Literal(BACKUP_FORMAT),
  formatVersion: Type.Literal(BACKUP_FORMAT_VERSION),
  id: Type.String(),
  kind: Type.Union([Type.Literal('full'), Type.Literal('incremental')]),
  parent: nullable(Type.String()),
  createdAt: Type.String(),
  source: Type.Object({
    kind: Type.Union([Type.Literal('postgres'), Type.Literal('pglite')]),
    systemIdentifier: Type.String(),
    database: Type.String(),
    schema: Type.String(),
  }),
  schemaVersion: count,
  snapshot: Type.String({ pattern: '^\\d+:\\d+:[\\d,]*$' }),
  since: nullable(Type.String({ pattern: '^\\d+:\\d+:[\\d,]*$' })),
  events: count,
  streams: count,
  transactions: count,
  firstTransaction: Type.Integer({ minimum: 1 }),
  firstPosition: nullable(count),
  lastPosition: nullable(count),
  firstRecordedAt: nullable(Type.String()),
  lastRecordedAt: nullable(Type.String()),
  head: nullable(Type.Object({ position: count, eventId: Type.String() })),
  chunks: Type.Array(Type.Object({ file: Type.String(), events: count, bytes: count, sha256, contentSha256: sha256 })),
  logSha256: sha256,
  checksum: sha256,
})
const manifestValidator = Compile(ManifestSchema)

/** The manifest's checksum: SHA-256 of its JSON without the checksum, fields in their written order. */
export function manifestChecksum(manifest: Omit<BackupManifest, 'checksum'> | BackupManifest): string {
  const { checksum: _, ...body } = manifest as BackupManifest
  return createHash('sha256').update(JSON.stringify(body)).digest('hex')
}

/** The manifest as written: its fields, then its checksum. */
export function sealManifest(body: Omit<BackupManifest, 'checksum'>): BackupManifest {
  return { ...body, checksum: manifestChecksum(body) }
}

/** Where a backup's manifest is, for a path naming the folder or the manifest itself. */
export function manifestPath(path: string): string {
  return basename(path) === MANIFEST_FILE ? path : join(path, MANIFEST_FILE)
}

/** A manifest read and checked, with the folder it is in. */
export interface ReadManifest {
  readonly dir: string
  readonly manifest: BackupManifest
  /** What is wrong with it that a reader can still go on past (its checksum, a chunk name). */
  readonly problems: readonly BackupProblem[]
}

/**
 * Reads a backup's manifest. A path that is missing or holds no manifest throws 'not-a-backup';
 * a manifest that does not parse or has the wrong shape throws 'invalid-backup' with the problem.
 */
export async function readManifest(path: string): Promise<ReadManifest> {
  const file = manifestPath(path)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'ENOTDIR' ? 'not a directory' : String(code)
    const problem: BackupProblem = { kind: 'not-a-backup', file, detail: `${path} is not a backup: ${file}: ${why}` }
    throw new BackupError('not-a-backup', problem.detail, { problems: [problem], cause: error })
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    const problem: BackupProblem = {
      kind: 'manifest-invalid',
      file,
      detail: `not JSON: ${error instanceof Error ? error.message : String(error)}`,
    }
    throw new BackupError('invalid-backup', `${file}: ${problem.detail}`, { problems: [problem] })
  }
  if (typeof value === 'object' && value !== null && (value as { format?: unknown }).format !== BACKUP_FORMAT) {
    const problem: BackupProblem = { kind: 'not-a-backup', file, detail: `${file} is not an EventCore backup manifest` }
    throw new BackupError('not-a-backup', problem.detail, { problems: [problem] })
  }
  if (!manifestValidator.Check(value)) {
    const first = manifestValidator.Errors(value)[0]
    const problem: BackupProblem = {
      kind: 'manifest-invalid',
      file,
      detail: `${first?.instancePath || 'manifest'} ${first?.message ?? 'has the wrong shape'}`,
    }
    throw new BackupError('invalid-backup', `${file}: ${problem.detail}`, { problems: [problem] })
  }
  const manifest = value as BackupManifest
  const problems: BackupProblem[] = []
  if (manifestChecksum(manifest) !== manifest.checksum)
    problems.push({
      kind: 'manifest-checksum',
      file,
      detail: 'the manifest does not match its checksum: it was changed after the backup was written',
    })
  for (const chunk of manifest.chunks)
    if (!CHUNK_FILE.test(chunk.file))
      problems.push({
        kind: 'chunk-name',
        file,
        detail: `chunk ${JSON.stringify(chunk.file)} is not a chunk file name (chunk-NNNNNN.ndjson.gz); refusing to open it`,
      })
  return { dir: dirname(file), manifest, problems }
}

/**
 * The chain that restores `path`: its full backup first, then each incremental up to it. Parents
 * are looked up beside it (same backup directory) and must continue each other exactly.
 */
export async function readChain(path: string): Promise<ReadManifest[]> {
  const chain: ReadManifest[] = [await readManifest(path)]
  for (let head = chain[0]; head?.manifest.parent; head = chain[0]) {
    const { parent } = head.manifest
    if (!BACKUP_ID.test(parent))
      throw chainError(head, `its parent ${JSON.stringify(parent)} is not a backup id; refusing to look for it`)
    const parentPath = join(dirname(head.dir), parent)
    let found: ReadManifest
    try {
      found = await readManifest(parentPath)
    } catch (error) {
      throw chainError(head, `its parent ${parent} cannot be read (${error instanceof Error ? error.message : error})`)
    }
    const child = head.manifest
    const p = found.manifest
    const breaks = [
      p.snapshot !== child.since && `it starts at snapshot ${child.since}, the parent ended at ${p.snapshot}`,
      p.firstTransaction + p.transactions !== child.firstTransaction &&
        `its first transaction is ${child.firstTransaction}, the parent's last ${p.firstTransaction + p.transactions - 1}`,
      JSON.stringify(p.source) !== JSON.stringify(child.source) && 'the parent is a backup of another database',
    ].filter((b): b is string => typeof b === 'string')
    if (breaks.length > 0) throw chainError(head, `it does not continue its parent ${parent}: ${breaks.join('; ')}`)
    chain.unshift(found)
  }
  return chain
}

function chainError(head: ReadManifest, detail: string): BackupError {
  const problem: BackupProblem = { kind: 'chain-broken', file: manifestPath(head.dir), detail }
  return new BackupError('invalid-backup', `${head.manifest.id}: ${detail}`, { problems: [problem] })
}
