import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { LOCK_FILE, lockDataDir } from './data-dir-lock.js'

const dirs: string[] = []
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'eventcore-lock-'))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('the PGlite data directory lock', () => {
  it('holds the directory for this process and refuses a second holder here', () => {
    const dir = fresh()
    const lock = lockDataDir(dir)
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`)
    expect(() => lockDataDir(dir)).toThrow(`is in use by process ${process.pid}`)
    lock.release()
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false)
    lockDataDir(dir).release() // free again
  })

  it('refuses a directory another running process holds, naming it', () => {
    const dir = fresh()
    writeFileSync(join(dir, LOCK_FILE), `${process.ppid}\n`) // the test runner's parent: running
    expect(() => lockDataDir(dir)).toThrow(
      expect.objectContaining({
        kind: 'store-unavailable',
        transient: false,
        message: expect.stringContaining(`process ${process.ppid}`),
      }),
    )
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(`${process.ppid}\n`) // left alone
  })

  it('takes over a lock whose process has died', () => {
    const dir = fresh()
    const gone = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid
    expect(gone).toBeGreaterThan(0)
    writeFileSync(join(dir, LOCK_FILE), `${gone}\n`)
    const lock = lockDataDir(dir)
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`)
    lock.release()
  })

  it('takes over a lock naming this process that this process does not hold (a restarted container)', () => {
    const dir = fresh()
    writeFileSync(join(dir, LOCK_FILE), `${process.pid}\n`)
    lockDataDir(dir).release()
  })
})
