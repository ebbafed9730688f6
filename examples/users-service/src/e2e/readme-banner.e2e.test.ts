import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { assertBuilt } from '@eventcore/service/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { MAIN_SCRIPT } from './main-script.js'

const README = join(import.meta.dirname, '../../../../README.md')
const FIRST_LINE = 'EventCore users service on embedded PGlite'
// The banner's last line: the example request's body.
const LAST_LINE = /"last_name":"Lovelace"\}'\n/

/** The README's quick-start block that shows the banner. */
function readmeBanner(): string {
  const blocks = readFileSync(README, 'utf8').split('```')
  const banner = blocks.find((block) => block.startsWith(`\n${FIRST_LINE}`))
  if (banner === undefined) throw new Error(`README.md has no block starting with "${FIRST_LINE}"`)
  return banner.slice(1)
}

/** What differs from one start to another: the token, the port. */
const normalized = (text: string) =>
  text
    .replaceAll(/eyJ[\w-]*\.[\w-]*\.[\w-]*|eyJ[\w-]*…/g, '<token>')
    .replaceAll(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>')

/** The stdout of `npm start`'s process in `cwd`, once the banner is out. */
async function startOutput(cwd: string, settings: Record<string, string> = {}): Promise<string> {
  const { NODE_ENV: _, ...env } = process.env
  const child = spawn(process.execPath, [MAIN_SCRIPT], {
    cwd,
    env: { ...env, EVENTCORE_PORT: '0', EVENTCORE_LOG_LEVEL: 'info', ...settings },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk)
  })
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        stdout += String(chunk)
        if (LAST_LINE.test(stdout)) resolve()
      })
      child.once('exit', (code) => reject(new Error(`the service exited (${code}):\n${stdout}\n${stderr}`)))
    })
  } finally {
    child.kill('SIGTERM')
  }
  return stdout
}

describe('the README quick start', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'eventcore-readme-'))
  afterAll(() => rmSync(cwd, { recursive: true, force: true }))

  it('shows the banner npm start prints on a first start, whole (no log line inside it)', async () => {
    assertBuilt(MAIN_SCRIPT)
    const stdout = await startOutput(cwd)
    const start = stdout.indexOf(FIRST_LINE)
    expect(start).toBeGreaterThanOrEqual(0)
    const end = (LAST_LINE.exec(stdout)?.index ?? 0) + '"last_name":"Lovelace"}\'\n'.length
    expect(normalized(stdout.slice(start, end))).toBe(normalized(readmeBanner()))
  }, 60_000)

  it('says "generated" only on the start that generated the secret', async () => {
    const stdout = await startOutput(cwd)
    expect(stdout).toContain(
      'Development only: no EVENTCORE_JWT_SECRET is set: using the development secret kept in ./data/dev-jwt-secret.\n',
    )
    expect(stdout).not.toContain('generated')
  }, 60_000)

  it('with memory:// says the printed token is the only one, and suggests no token command', async () => {
    const stdout = await startOutput(cwd, { EVENTCORE_DATA_DIR: 'memory://' })
    expect(stdout).toContain('so the token below is the only one')
    expect(stdout).toContain('An admin token, valid for an hour:\n')
    expect(stdout).not.toContain('npm run -s token')
  }, 60_000)
})
