import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from './load-config.js'

const root = mkdtempSync(join(tmpdir(), 'eventcore-dev-secret-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let dirs = 0
const freshDir = () => join(root, `case-${++dirs}`)

function loaded(env: Readonly<Record<string, string>>, options = {}) {
  const result = loadConfig(env, { cwd: root, ...options })
  if (!result.ok) throw new Error(result.problems.join('\n'))
  return result
}

describe('the generated development secret', () => {
  it('is generated, persisted with mode 0600 and flagged with a warning when no key is set', () => {
    const dataDir = freshDir()
    const { config, warnings } = loaded({ EVENTCORE_DATA_DIR: dataDir })
    const path = join(dataDir, 'dev-jwt-secret')
    const secret = config.auth.options.secret ?? ''
    expect(config.auth.generatedSecret).toBe(true)
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/) // 32 random bytes, base64url
    expect(readFileSync(path, 'utf8')).toBe(`${secret}\n`)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(warnings).toEqual([expect.stringContaining(`generated development secret stored in ${path}`)])
    expect(warnings.join('\n')).not.toContain(secret)
  })

  it('is reused on the next start, so restarts and the token script agree', () => {
    const dataDir = freshDir()
    const first = loaded({ EVENTCORE_DATA_DIR: dataDir }).config.auth.options.secret
    const second = loaded({ EVENTCORE_DATA_DIR: dataDir }).config.auth.options.secret
    expect(second).toBe(first)
  })

  it('resolves a relative data directory from cwd', () => {
    const { config } = loaded({ EVENTCORE_DATA_DIR: 'relative-data' })
    expect(config.dataDir).toBe(join(root, 'relative-data'))
    expect(readFileSync(join(root, 'relative-data', 'dev-jwt-secret'), 'utf8')).toBe(`${config.auth.options.secret}\n`)
  })

  it('stays in memory with memory://', () => {
    const written: string[] = []
    const { config, warnings } = loaded(
      { EVENTCORE_DATA_DIR: 'memory://' },
      { createFile: (path: string) => written.push(path) },
    )
    expect(config).toMatchObject({ dataDir: 'memory://', auth: { generatedSecret: true } })
    expect(Buffer.byteLength(config.auth.options.secret ?? '')).toBeGreaterThanOrEqual(32)
    expect(written).toEqual([])
    expect(warnings).toEqual([expect.stringContaining('kept in memory')])
  })

  it("uses the other process's secret when it wrote the file first", () => {
    const dataDir = freshDir()
    const theirs = 'a-secret-another-process-wrote-first-0123'
    const { config } = loaded(
      { EVENTCORE_DATA_DIR: dataDir },
      {
        createFile: (path: string) => {
          mkdirSync(dataDir, { recursive: true })
          writeFileSync(path, `${theirs}\n`)
          throw Object.assign(new Error('EEXIST: file already exists'), { code: 'EEXIST' })
        },
      },
    )
    expect(config.auth.options.secret).toBe(theirs)
  })

  it('refuses a secret file that is too short, and one it cannot write', () => {
    const dataDir = freshDir()
    mkdirSync(dataDir)
    writeFileSync(join(dataDir, 'dev-jwt-secret'), 'short\n')
    expect(loadConfig({ EVENTCORE_DATA_DIR: dataDir }, { cwd: root })).toEqual({
      ok: false,
      problems: [
        `the development JWT secret '${join(dataDir, 'dev-jwt-secret')}' is under 32 bytes; delete it to get a new one`,
      ],
    })
    const readOnly = freshDir()
    const failing = () => {
      throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' })
    }
    expect(loadConfig({ EVENTCORE_DATA_DIR: readOnly }, { cwd: root, createFile: failing })).toEqual({
      ok: false,
      problems: [`cannot write the development JWT secret '${join(readOnly, 'dev-jwt-secret')}' (EACCES)`],
    })
  })

  it('is not generated when a key is configured', () => {
    const dataDir = freshDir()
    const { config } = loaded({ EVENTCORE_DATA_DIR: dataDir, EVENTCORE_JWT_JWKS_URL: 'https://id.example.com/jwks' })
    expect(config.auth).toEqual({
      options: { jwksUrl: 'https://id.example.com/jwks', maxTokenAgeSeconds: 3600, clockToleranceSeconds: 30 },
      generatedSecret: false,
    })
    expect(() => statSync(join(dataDir, 'dev-jwt-secret'))).toThrow()
  })
})
