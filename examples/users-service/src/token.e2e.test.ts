import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { loadConfig } from '@eventcore/service'
import { jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const root = join(import.meta.dirname, '../../..')
const script = join(root, 'examples/users-service/dist/token.js')
const SECRET = 'an-e2e-test-secret-of-at-least-32-bytes'
const dataDir = mkdtempSync(join(tmpdir(), 'eventcore-token-e2e-'))

async function token(args: readonly string[], env: Readonly<Record<string, string>>) {
  try {
    const { stdout, stderr } = await run(process.execPath, [script, ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', ...env },
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error instanceof Error ? error : new Error(String(error))
    const { code, stdout, stderr } = Object.assign({ code: -1, stdout: '', stderr: '' }, failed)
    return { code, stdout, stderr }
  }
}

beforeAll(() => {
  // `npm test` builds everything (tsc -b) before vitest runs: the emitted script is what users run.
  if (!existsSync(script)) throw new Error(`${script} is missing: run tsc -b first`)
})
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

describe('npm run token (the built CLI)', () => {
  it('prints a token for the configured secret and exits 0', async () => {
    const { code, stdout, stderr } = await token(['--sub', 'ada', '--role', 'user', '--ttl', '60'], {
      EVENTCORE_JWT_SECRET: SECRET,
      EVENTCORE_JWT_ISSUER: 'https://id.example.com',
    })
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
    const { payload } = await jwtVerify(stdout.trim(), new TextEncoder().encode(SECRET), {
      issuer: 'https://id.example.com',
    })
    expect(payload).toMatchObject({ sub: 'ada', roles: ['user'], iss: 'https://id.example.com' })
    expect(Number(payload.exp) - Number(payload.iat)).toBe(60)
  })

  it('signs with the generated development secret the server reads', async () => {
    const { code, stdout } = await token(['--sub', 'dev', '--role', 'admin'], { EVENTCORE_DATA_DIR: dataDir })
    expect(code).toBe(0)
    const server = loadConfig({ EVENTCORE_DATA_DIR: dataDir })
    if (!server.ok) throw new Error(server.problems.join('\n'))
    expect(server.config.auth.generatedSecret).toBe(true)
    const key = new TextEncoder().encode(server.config.auth.options.secret)
    await expect(jwtVerify(stdout.trim(), key)).resolves.toMatchObject({ payload: { sub: 'dev', roles: ['admin'] } })
  })

  it('exits 1 with one line on a bad configuration', async () => {
    const { code, stdout, stderr } = await token(['--sub', 'ada', '--role', 'user'], {
      EVENTCORE_JWT_SECRET: SECRET,
      EVENTCORE_PORT: 'abc',
      EVENTCORE_LOG_LEVEL: 'loud',
    })
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^error: the configuration has problems: EVENTCORE_PORT .*; EVENTCORE_LOG_LEVEL /),
    ])
  })

  it('lists its options with --help', async () => {
    const { code, stdout } = await token(['--help'], {})
    expect(code).toBe(0)
    expect(stdout).toMatch(/--sub <id>[\s\S]*--role <role>[\s\S]*--ttl <seconds>/)
  })
})
