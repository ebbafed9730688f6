import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import {
  type BackupChunk,
  BackupError,
  type BackupEvent,
  type BackupProblem,
  type BackupProgress,
} from './backup-types.js'
import { type ChunkRead, chunkLines } from './chunk-reader.js'
import { decodeEventLine } from './event-line.js'
import { type ReadManifest, readManifest } from './manifest.js'

/** What a scan of a chain found: its problems, its totals and the hash of all its lines. */
export interface ChainScan {
  readonly problems: BackupProblem[]
  readonly events: number
  readonly streams: number
  readonly transactions: number
  readonly chunks: number
  readonly bytes: number
  /** SHA-256 over every line of the chain, in order: what a restored log must read back as. */
  readonly chainSha256: string
}

/**
 * A block of decoded events, in order, for a reader that acts on them, with the verbatim JSON
 * texts of each one's `data` and `metadata`.
 */
export type EventBlock = {
  readonly events: readonly BackupEvent[]
  readonly data: readonly string[]
  readonly metadata: readonly string[]
}

/** Problems beyond this many are not listed one by one: a broken chunk would repeat one a line. */
const MAX_PROBLEMS = 100

/**
 * Reads every chunk of a chain in order and checks it: the file (present, whole, its hash), every
 * line (an event), the global order (transactions in sequence, positions rising within one),
 * each stream's versions (contiguous from 1 across the chain) and the manifest's figures. After a
 * damaged chunk only file-level checks go on, so one fault is named once, not on every later line.
 * `onEvents` sees each block of events that passed (restore uses it).
 */
export async function scanChain(
  chain: readonly ReadManifest[],
  options: {
    readonly onEvents?: (block: EventBlock) => Promise<void>
    readonly onProgress?: (progress: BackupProgress) => void
    readonly phase?: BackupProgress['phase']
  } = {},
): Promise<ChainScan> {
  const problems: BackupProblem[] = []
  const add = (problem: BackupProblem) => {
    if (problems.length < MAX_PROBLEMS) problems.push(problem)
  }
  const total = chain.reduce((sum, { manifest }) => sum + manifest.events, 0)
  const versions = new Map<string, { version: number; backup: number }>()
  const chainHash = createHash('sha256')
  let trusted = true
  let head: { position: number; eventId: string } | null = null
  let events = 0
  let streams = 0
  let transactions = 0
  let chunks = 0
  let bytes = 0
  for (const [backupIndex, { dir, manifest, problems: manifestProblems }] of chain.entries()) {
    for (const problem of manifestProblems) add(problem)
    if (manifestProblems.some((p) => p.kind === 'chunk-name')) {
      trusted = false
      continue
    }
    const logHash = createHash('sha256')
    let tx = manifest.firstTransaction - 1
    let position = 0
    let backupEvents = 0
    let backupStreams = 0
    let backupTransactions = 0
    let lowest: number | null = null
    let highest: number | null = null
    let earliest: string | null = null
    let latest: string | null = null
    for (const chunk of manifest.chunks) {
      chunks++
      const file = join(dir, chunk.file)
      const size = await stat(file).then(
        (s) => s.size,
        () => undefined,
      )
      if (size === undefined) {
        add({ kind: 'chunk-missing', file, detail: `chunk ${chunk.file} of ${manifest.id} is missing` })
        trusted = false
        continue
      }
      bytes += size
      const reader = chunkLines(dir, chunk)
      // A damaged file garbles its lines: its lines' problems count only when the file is sound.
      const lineProblems: BackupProblem[] = []
      const addLine = (problem: BackupProblem) => lineProblems.push(problem)
      let lineNo = 0
      let chunkEvents = 0
      let found: ChunkRead
      for (;;) {
        const read = await reader.next()
        if (read.done) {
          found = read.value
          break
        }
        if (!trusted) continue
        const decoded: BackupEvent[] = []
        const dataTexts: string[] = []
        const metadataTexts: string[] = []
        for (const line of read.value) {
          lineNo++
          const result = decodeEventLine(line)
          if (!result.ok) {
            addLine({ kind: 'event-invalid', file, line: lineNo, detail: result.why })
            trusted = false
            break
          }
          const event = result.event
          if (event.tx === tx && event.position <= position)
            addLine({
              kind: 'order',
              file,
              line: lineNo,
              detail: `position ${event.position} follows ${position} within transaction ${tx}`,
            })
          else if (event.tx !== tx && event.tx !== tx + 1)
            addLine({ kind: 'order', file, line: lineNo, detail: `transaction ${event.tx} follows ${tx}` })
          if (event.tx !== tx) backupTransactions++
          tx = event.tx
          position = event.position
          const seen = versions.get(event.stream)
          const expected = (seen?.version ?? 0) + 1
          if (event.version !== expected)
            addLine({
              kind: 'version-gap',
              file,
              line: lineNo,
              detail: `stream ${JSON.stringify(event.stream)}: version ${event.version} where ${expected} was due`,
            })
          if (seen?.backup !== backupIndex) backupStreams++
          versions.set(event.stream, { version: event.version, backup: backupIndex })
          if (lowest === null || event.position < lowest) lowest = event.position
          if (highest === null || event.position > highest) highest = event.position
          if (head === null || event.position > head.position) head = { position: event.position, eventId: event.id }
          if (earliest === null || event.recordedAt < earliest) earliest = event.recordedAt
          if (latest === null || event.recordedAt > latest) latest = event.recordedAt
          decoded.push(event)
          dataTexts.push(result.data)
          metadataTexts.push(result.metadata)
        }
        if (!trusted) continue
        const text = `${read.value.join('\n')}\n`
        logHash.update(text)
        chainHash.update(text)
        chunkEvents += decoded.length
        backupEvents += decoded.length
        events += decoded.length
        // Only what is sound so far is acted on: a restore stops at the first problem.
        if (problems.length === 0 && lineProblems.length === 0)
          await options.onEvents?.({ events: decoded, data: dataTexts, metadata: metadataTexts })
        options.onProgress?.({ phase: options.phase ?? 'verify', events, total })
      }
      const fileProblem = chunkFileProblem(file, chunk, { size, ...found })
      if (!fileProblem) for (const problem of lineProblems) add(problem)
      if (fileProblem) {
        add(fileProblem)
        trusted = false
      } else if (trusted && found.contentSha256 !== chunk.contentSha256) {
        add({ kind: 'log-checksum', file, detail: `the lines of ${chunk.file} do not match their content SHA-256` })
      } else if (trusted && chunkEvents !== chunk.events) {
        add({
          kind: 'count-mismatch',
          file,
          detail: `chunk ${chunk.file} holds ${chunkEvents} events, the manifest says ${chunk.events}`,
        })
      }
    }
    transactions += backupTransactions
    streams = versions.size
    if (!trusted) continue
    const manifestFile = join(dir, 'manifest.json')
    const figures: [string, unknown, unknown][] = [
      ['events', backupEvents, manifest.events],
      ['transactions', backupTransactions, manifest.transactions],
      ['streams', backupStreams, manifest.streams],
      ['firstPosition', lowest, manifest.firstPosition],
      ['lastPosition', highest, manifest.lastPosition],
      ['firstRecordedAt', earliest, manifest.firstRecordedAt],
      ['lastRecordedAt', latest, manifest.lastRecordedAt],
    ]
    figures.push(['head', JSON.stringify(head), JSON.stringify(manifest.head)])
    for (const [name, found, stated] of figures)
      if (found !== stated)
        add({
          kind: 'count-mismatch',
          file: manifestFile,
          detail: `${manifest.id}: ${name} is ${JSON.stringify(found)} in the chunks, ${JSON.stringify(stated)} in the manifest`,
        })
    const logSha256 = logHash.digest('hex')
    if (logSha256 !== manifest.logSha256)
      add({
        kind: 'log-checksum',
        file: manifestFile,
        detail: `${manifest.id}: the events do not match the manifest's logSha256`,
      })
  }
  return { problems, events, streams, transactions, chunks, bytes, chainSha256: chainHash.digest('hex') }
}

/** What is wrong with a chunk's file (size, hash, gzip), if anything: one problem, the first that applies. */
function chunkFileProblem(
  file: string,
  chunk: BackupChunk,
  found: { size: number; sha256: string; gzipError?: Error | undefined },
): BackupProblem | undefined {
  if (found.size < chunk.bytes || found.gzipError?.message.includes('unexpected end of file'))
    return {
      kind: 'chunk-truncated',
      file,
      detail: `chunk ${chunk.file} is cut short: ${found.size} bytes where the manifest says ${chunk.bytes}`,
    }
  if (found.sha256 !== chunk.sha256 || found.gzipError)
    return {
      kind: 'chunk-checksum',
      file,
      detail: `chunk ${chunk.file} does not match its SHA-256 in the manifest${found.gzipError ? ` (and does not decompress: ${found.gzipError.message})` : ''}`,
    }
  return undefined
}

/**
 * The file-level checks alone (manifests, chunk names, every chunk present, whole and matching
 * its SHA-256), without decompressing: what a restore makes sure of before it writes anything.
 */
export async function checkChunkFiles(chain: readonly ReadManifest[]): Promise<BackupProblem[]> {
  const problems: BackupProblem[] = []
  for (const { dir, manifest, problems: manifestProblems } of chain) {
    problems.push(...manifestProblems)
    if (manifestProblems.length > 0) continue
    for (const chunk of manifest.chunks) {
      const file = join(dir, chunk.file)
      const hash = createHash('sha256')
      let size = 0
      try {
        for await (const block of createReadStream(file)) {
          hash.update(block as Buffer)
          size += (block as Buffer).length
        }
      } catch {
        problems.push({ kind: 'chunk-missing', file, detail: `chunk ${chunk.file} of ${manifest.id} is missing` })
        continue
      }
      const problem = chunkFileProblem(file, chunk, { size, sha256: hash.digest('hex') })
      if (problem) problems.push(problem)
    }
  }
  return problems
}

/**
 * The events of one backup (not the backups it continues), in order, decoded, a block of lines at
 * a time: for tools that look inside a backup (a drill that counts events up to a time). It
 * checks that each line is an event and nothing else; `verifyBackup` checks the rest.
 *
 * @example
 * for await (const event of backupEvents('./backups/20261202T141500123Z-full')) console.log(event.recordedAt)
 */
export async function* backupEvents(path: string): AsyncGenerator<BackupEvent> {
  const { dir, manifest, problems } = await readManifest(path)
  const refused = problems.find((p) => p.kind === 'chunk-name')
  if (refused) throw new BackupError('invalid-backup', refused.detail, { problems: [refused] })
  for (const chunk of manifest.chunks) {
    const reader = chunkLines(dir, chunk)
    let lineNo = 0
    for (;;) {
      const read = await reader.next()
      if (read.done) {
        const fault = read.value.openError ?? read.value.gzipError
        if (fault)
          throw new BackupError('invalid-backup', `${join(dir, chunk.file)}: ${fault.message}`, { cause: fault })
        break
      }
      for (const line of read.value) {
        lineNo++
        const decoded = decodeEventLine(line)
        if (!decoded.ok) throw new BackupError('invalid-backup', `${join(dir, chunk.file)}:${lineNo}: ${decoded.why}`)
        yield decoded.event
      }
    }
  }
}
