import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import type { BackupChunk } from './backup-types.js'

/** A chunk being written: lines in, a gzip file and its hashes out. */
export interface ChunkWriter {
  readonly file: string
  write(lines: Buffer, events: number): Promise<void>
  /** Ends the file, flushes it to disk, and gives its manifest entry. */
  finish(): Promise<BackupChunk>
}

/** The name of the n-th chunk (1-based). */
export const chunkFileName = (n: number) => `chunk-${String(n).padStart(6, '0')}.ndjson.gz`

// Level 3: most of level 6's ratio on JSON lines at about twice the speed; zlib runs on libuv's
// threads, so compression overlaps reading the next page.
const GZIP_LEVEL = 3

/** Opens chunk `n` in `dir`. Its hashes are computed as it is written, never by reading it back. */
export function openChunk(dir: string, n: number): ChunkWriter {
  const file = chunkFileName(n)
  const path = join(dir, file)
  const gzip = createGzip({ level: GZIP_LEVEL })
  const fileHash = createHash('sha256')
  const contentHash = createHash('sha256')
  let bytes = 0
  let events = 0
  gzip.on('data', (block: Buffer) => {
    fileHash.update(block)
    bytes += block.length
  })
  const written = pipeline(gzip, createWriteStream(path))
  // A failed write surfaces in finish(); until then it must not be an unhandled rejection.
  written.catch(() => {})
  return {
    file,
    async write(lines, count) {
      contentHash.update(lines)
      events += count
      if (!gzip.write(lines)) await new Promise<void>((resolve) => gzip.once('drain', resolve))
    },
    async finish() {
      gzip.end()
      await written
      const handle = await open(path, 'r')
      try {
        await handle.sync()
      } finally {
        await handle.close()
      }
      return { file, events, bytes, sha256: fileHash.digest('hex'), contentSha256: contentHash.digest('hex') }
    },
  }
}
