import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { join } from 'node:path'
import { createGunzip } from 'node:zlib'
import type { BackupChunk } from './backup-types.js'

/** What reading a chunk found about the file itself. */
export interface ChunkRead {
  /** The file could not be opened (ENOENT: missing). */
  readonly openError?: NodeJS.ErrnoException
  /** gunzip's complaint, when the bytes are not a whole gzip stream. */
  readonly gzipError?: Error
  readonly bytes: number
  readonly sha256: string
  readonly contentSha256: string
}

/**
 * Reads a chunk's lines in blocks (each an array of lines without their newline), hashing the
 * file and its content on the way; the generator's return value says what the file was like.
 * Only a bare chunk file name in `dir` is ever opened (the caller checks the name).
 */
export async function* chunkLines(dir: string, chunk: BackupChunk): AsyncGenerator<string[], ChunkRead> {
  const fileHash = createHash('sha256')
  const contentHash = createHash('sha256')
  let bytes = 0
  const input = createReadStream(join(dir, chunk.file))
  const gunzip = createGunzip()
  let openError: NodeJS.ErrnoException | undefined
  let gzipError: Error | undefined
  input.on('data', (block) => {
    const buffer = block as Buffer
    fileHash.update(buffer)
    bytes += buffer.length
  })
  input.on('error', (error: NodeJS.ErrnoException) => {
    openError = error
    gunzip.end()
  })
  input.pipe(gunzip)
  let rest = ''
  try {
    for await (const block of gunzip) {
      const text = rest + (block as Buffer).toString('utf8')
      contentHash.update(block as Buffer)
      const lines = text.split('\n')
      rest = lines.pop() ?? ''
      if (lines.length > 0) yield lines
    }
  } catch (error) {
    gzipError = error instanceof Error ? error : new Error(String(error))
    input.destroy()
  }
  if (rest !== '') yield [rest]
  return { openError, gzipError, bytes, sha256: fileHash.digest('hex'), contentSha256: contentHash.digest('hex') }
}
