import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BackupManifest, createBackup, restoreBackup, verifyBackup } from '../index.js'
import type { SqlEventStore } from '../sql-store.js'
import { pgliteStores } from '../test-database.js'
import { appendVariedLog, keptLog } from './test-backup-log.js'

// Each test damages its own copy of one good backup and expects the damage named.
const lite = pgliteStores(afterAll)
let root: string
let good: string
let source: SqlEventStore

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'eventcore-backup-damage-'))
  source = await lite.open()
  await appendVariedLog(source, 6)
  good = (await createBackup(source, { dir: join(root, 'good'), chunkEvents: 7 })).path
}, 120_000)
afterAll(() => rm(root, { recursive: true, force: true }))

let copies = 0
async function copyOfGood(): Promise<{ path: string; manifest: BackupManifest }> {
  copies++
  const path = join(root, `copy-${copies}`, good.split('/').at(-1) ?? '')
  await mkdir(path, { recursive: true })
  const manifest = JSON.parse(await readFile(join(good, 'manifest.json'), 'utf8')) as BackupManifest
  for (const name of ['manifest.json', ...manifest.chunks.map((c) => c.file)])
    await writeFile(join(path, name), await readFile(join(good, name)))
  return { path, manifest }
}

/** Writes a manifest with a checksum that matches it: a forger who knows the format. */
async function writeSealed(path: string, manifest: BackupManifest): Promise<void> {
  const { checksum: _, ...body } = manifest
  const checksum = createHash('sha256').update(JSON.stringify(body)).digest('hex')
  await writeFile(join(path, 'manifest.json'), JSON.stringify({ ...body, checksum }))
}

/**
 * Rewrites the first chunk's lines and reseals its hashes and the manifest: a forger who knows the
 * format but not the original log.
 */
async function forgeFirstChunk(
  path: string,
  manifest: BackupManifest,
  rewrite: (lines: string[]) => string[],
  eventsChange = 0,
): Promise<void> {
  const file = join(path, manifest.chunks[0]?.file ?? '')
  const forged = gzipSync(
    rewrite(
      gunzipSync(await readFile(file))
        .toString()
        .split('\n'),
    ).join('\n'),
  )
  await writeFile(file, forged)
  const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex')
  const chunks = manifest.chunks.map((c, i) =>
    i === 0
      ? {
          ...c,
          bytes: forged.length,
          sha256: sha(forged),
          contentSha256: sha(gunzipSync(forged)),
          events: c.events + eventsChange,
        }
      : c,
  )
  await writeSealed(path, { ...manifest, chunks })
}

const kinds = async (path: string) => (await verifyBackup(path)).problems.map((p) => p.kind)

describe('a damaged backup is detected and the damage named', () => {
  it('the good backup verifies', async () => {
    expect((await verifyBackup(good)).problems).toEqual([])
  })

  it('a flipped byte in a chunk', async () => {
    const { path, manifest } = await copyOfGood()
    const file = join(path, manifest.chunks[1]?.file ?? '')
    const bytes = await readFile(file)
    const middle = Math.floor(bytes.length / 2)
    bytes.writeUInt8(bytes.readUInt8(middle) ^ 0x01, middle)
    await writeFile(file, bytes)
    const report = await verifyBackup(path)
    expect(report.ok).toBe(false)
    expect(report.problems[0]).toMatchObject({ kind: 'chunk-checksum', file })
  })

  it('a missing chunk', async () => {
    const { path, manifest } = await copyOfGood()
    await rm(join(path, manifest.chunks[2]?.file ?? ''))
    expect(await kinds(path)).toContain('chunk-missing')
  })

  it('a truncated chunk', async () => {
    const { path, manifest } = await copyOfGood()
    const chunk = manifest.chunks.at(-1)
    await truncate(join(path, chunk?.file ?? ''), Math.floor((chunk?.bytes ?? 0) / 2))
    const report = await verifyBackup(path)
    expect(report.problems[0]).toMatchObject({ kind: 'chunk-truncated', detail: expect.stringContaining('cut short') })
  })

  it('a manifest edited without its checksum', async () => {
    const { path, manifest } = await copyOfGood()
    await writeFile(join(path, 'manifest.json'), JSON.stringify({ ...manifest, events: manifest.events - 1 }))
    expect(await kinds(path)).toContain('manifest-checksum')
  })

  it('a forged manifest with a matching checksum: its figures disagree with the chunks', async () => {
    const { path, manifest } = await copyOfGood()
    await writeSealed(path, { ...manifest, events: manifest.events + 1, lastPosition: 999 })
    const problems = (await verifyBackup(path)).problems
    expect(problems.map((p) => p.kind)).toEqual(['count-mismatch', 'count-mismatch'])
    expect(problems[0]?.detail).toContain('events is')
  })

  it('a forged chunk with its hashes in a resealed manifest: the log checksum disagrees', async () => {
    const { path, manifest } = await copyOfGood()
    // Drop the chunk's last event and reseal everything a forger can without the original log.
    await forgeFirstChunk(path, manifest, (lines) => lines.slice(0, -2).concat(''), -1)
    expect(await kinds(path)).toContain('log-checksum')
  })

  it('a line that is an event but not in the backup layout (a restore could not load it verbatim)', async () => {
    const { path, manifest } = await copyOfGood()
    // The same event with its fields in another order.
    await forgeFirstChunk(path, manifest, ([head = '{}', ...rest]) => {
      const { tx, position, ...fields } = JSON.parse(head) as Record<string, unknown>
      return [JSON.stringify({ position, tx, ...fields }), ...rest]
    })
    const report = await verifyBackup(path)
    expect(report.problems[0]).toMatchObject({
      kind: 'event-invalid',
      line: 1,
      detail: expect.stringContaining('layout'),
    })
  })

  it('a chunk name that leaves the backup folder is refused, never opened', async () => {
    const { path, manifest } = await copyOfGood()
    const chunks = manifest.chunks.map((c, i) => (i === 0 ? { ...c, file: '../../../etc/passwd' } : c))
    await writeSealed(path, { ...manifest, chunks })
    const report = await verifyBackup(path)
    expect(report.problems[0]).toMatchObject({ kind: 'chunk-name', detail: expect.stringContaining('etc/passwd') })
    await expect(restoreBackup(await lite.open(), path)).rejects.toMatchObject({ kind: 'invalid-backup' })
  })

  it('a damaged backup is not restored: the target stays empty', async () => {
    const { path, manifest } = await copyOfGood()
    await truncate(join(path, manifest.chunks.at(-1)?.file ?? ''), 10)
    const target = await lite.open()
    await expect(restoreBackup(target, path)).rejects.toMatchObject({
      kind: 'invalid-backup',
      message: expect.stringContaining('chunk-truncated'),
    })
    expect(await keptLog(target)).toEqual([])
  })

  it('bad paths: missing, not a backup, not JSON', async () => {
    await expect(verifyBackup(join(root, 'nowhere'))).rejects.toMatchObject({
      kind: 'not-a-backup',
      message: expect.stringContaining('no such file'),
    })
    const empty = join(root, 'empty-folder')
    await mkdir(empty)
    await expect(verifyBackup(empty)).rejects.toMatchObject({ kind: 'not-a-backup' })
    const other = join(root, 'other-json')
    await mkdir(other)
    await writeFile(join(other, 'manifest.json'), '{"name":"some package"}')
    await expect(verifyBackup(other)).rejects.toMatchObject({
      kind: 'not-a-backup',
      message: expect.stringContaining('not an EventCore backup'),
    })
    await writeFile(join(other, 'manifest.json'), '{"format":')
    const report = await verifyBackup(other)
    expect(report.problems[0]).toMatchObject({ kind: 'manifest-invalid' })
  })
})
