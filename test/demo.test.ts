// `npm run demo` as a person runs it: the built demo in a process of its own, on a database of its
// own, and a start-up failure (its directory held by another process) as one line and exit 1.
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { openPgliteStore } from '@eventcore/postgres'
import { afterAll, describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')
const demo = join(root, 'examples/demo/dist/main.js')
const scratch = mkdtempSync(join(tmpdir(), 'eventcore-demo-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

interface Outcome {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

async function runDemo(env: Record<string, string>, cwd = root): Promise<Outcome> {
  const { DEMO_DATA_DIR: _dir, DEMO_DATABASE_URL: _url, ...rest } = process.env
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [demo], {
      cwd,
      env: { ...rest, ...env },
      timeout: 60_000,
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string }
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' }
  }
}

describe('the console demo (npm run demo)', () => {
  it('keeps its events in ./demo-data by default, never in the service’s ./data', async () => {
    const cwd = join(scratch, 'default')
    mkdirSync(cwd)
    const { code, stdout, stderr } = await runDemo({}, cwd)
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(stdout).toContain(`embedded PGlite (./demo-data)`)
    expect(stdout).toMatch(/10 succeeded after \d+ retries/)
    expect(existsSync(join(cwd, 'demo-data', 'PG_VERSION'))).toBe(true)
    expect(existsSync(join(cwd, 'data'))).toBe(false)
  }, 90_000)

  it('says in one line, exit 1, that its PostgreSQL server does not answer', async () => {
    const { code, stdout, stderr } = await runDemo({ DEMO_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/demo' })
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toMatch(/^demo: connecting to the database failed \(ECONNREFUSED\)[^\n]* \(DEMO_DATABASE_URL\)\n$/)
  }, 90_000)

  it('says in one line, exit 1, that its data directory is held by another process', async () => {
    const dataDir = join(scratch, 'held')
    const holder = await openPgliteStore({ dataDir })
    try {
      const { code, stdout, stderr } = await runDemo({ DEMO_DATA_DIR: dataDir })
      expect(code).toBe(1)
      expect(stdout).toBe('')
      expect(stderr).toBe(
        `demo: the PGlite data directory ${dataDir} is in use by process ${process.pid}; stop it, or set another data directory (DEMO_DATA_DIR)\n`,
      )
    } finally {
      await holder.close()
    }
  }, 90_000)
})
