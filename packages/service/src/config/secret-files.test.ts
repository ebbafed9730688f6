import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from './load-config.js'
import type { RawEnv } from './parse-env.js'

const SECRET = 'a-file-secret-that-is-at-least-32-bytes'
const { publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
})

// An in-memory file system: a missing path throws like fs does.
function filesOf(files: Readonly<Record<string, string>>) {
  return {
    cwd: '/srv/users',
    readFile: (path: string) => {
      const contents = files[path]
      if (contents === undefined)
        throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' })
      return contents
    },
    createFile: () => {
      throw new Error('no development secret in this test')
    },
  }
}

const load = (env: RawEnv, files: Readonly<Record<string, string>> = {}) => loadConfig(env, filesOf(files))

describe('*_FILE variables', () => {
  it('reads the secret from the file, without its trailing newline', () => {
    const result = load({ EVENTCORE_JWT_SECRET_FILE: '/run/secrets/jwt' }, { '/run/secrets/jwt': `${SECRET}\n` })
    expect(result).toMatchObject({
      ok: true,
      config: { auth: { options: { secret: SECRET }, generatedSecret: false } },
    })
  })

  it('reads every secret variable from its file, relative paths from cwd', () => {
    const result = load(
      {
        EVENTCORE_JWT_SECRET_FILE: 'secrets/jwt',
        EVENTCORE_DATABASE_URL_FILE: '/run/secrets/db',
        EVENTCORE_REDIS_URL_FILE: '/run/secrets/redis',
      },
      {
        '/srv/users/secrets/jwt': SECRET,
        '/run/secrets/db': 'postgres://app:pw@db/users\r\n',
        '/run/secrets/redis': 'rediss://:pw@cache:6380\n',
      },
    )
    expect(result).toMatchObject({
      ok: true,
      config: { database: { url: 'postgres://app:pw@db/users' }, redisUrl: 'rediss://:pw@cache:6380' },
    })
  })

  it('reads the public key from its file', () => {
    const result = load({ EVENTCORE_JWT_PUBLIC_KEY_FILE: '/keys/jwt.pem' }, { '/keys/jwt.pem': publicKey })
    expect(result).toMatchObject({ ok: true, config: { auth: { options: { publicKeyPem: publicKey.trimEnd() } } } })
  })

  it('names the file when its value is bad', () => {
    const pem = '-----BEGIN PUBLIC KEY-----\nnot really\n-----END PUBLIC KEY-----\n'
    const result = load({ EVENTCORE_JWT_PUBLIC_KEY_FILE: '/keys/jwt.pem' }, { '/keys/jwt.pem': pem })
    expect(result).toEqual({
      ok: false,
      problems: [
        'EVENTCORE_JWT_PUBLIC_KEY (from EVENTCORE_JWT_PUBLIC_KEY_FILE) must be an SPKI PEM public key (-----BEGIN PUBLIC KEY-----)',
      ],
    })
  })

  it('refuses a variable set both directly and as a file', () => {
    const result = load(
      { EVENTCORE_JWT_SECRET: SECRET, EVENTCORE_JWT_SECRET_FILE: '/run/secrets/jwt' },
      { '/run/secrets/jwt': SECRET },
    )
    expect(result).toEqual({
      ok: false,
      problems: ['EVENTCORE_JWT_SECRET and EVENTCORE_JWT_SECRET_FILE are both set; set only one'],
    })
  })

  it('names the variable and the path of a file it cannot read', () => {
    const result = load({ EVENTCORE_JWT_SECRET: SECRET, EVENTCORE_DATABASE_URL_FILE: '/run/secrets/missing' })
    expect(result).toEqual({
      ok: false,
      problems: ["EVENTCORE_DATABASE_URL_FILE: cannot read '/run/secrets/missing' (ENOENT)"],
    })
  })

  it('refuses an empty file', () => {
    const result = load(
      { EVENTCORE_REDIS_URL_FILE: '/run/secrets/redis', EVENTCORE_JWT_SECRET: SECRET },
      {
        '/run/secrets/redis': '\n',
      },
    )
    expect(result).toEqual({ ok: false, problems: ["EVENTCORE_REDIS_URL_FILE: '/run/secrets/redis' is empty"] })
  })

  it("checks a file's value like the variable's, and never repeats it", () => {
    const result = load({ EVENTCORE_JWT_SECRET_FILE: '/run/secrets/jwt' }, { '/run/secrets/jwt': 'hunter2\n' })
    expect(result).toEqual({
      ok: false,
      problems: [
        'EVENTCORE_JWT_SECRET (from EVENTCORE_JWT_SECRET_FILE) must be at least 32 bytes long (e.g. `openssl rand -base64 32`)',
      ],
    })
  })
})

describe('*_FILE variables on disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eventcore-config-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('reads a real file with the default reader', () => {
    writeFileSync(join(dir, 'jwt'), `${SECRET}\n`)
    const result = loadConfig({ EVENTCORE_JWT_SECRET_FILE: 'jwt' }, { cwd: dir })
    expect(result).toMatchObject({ ok: true, config: { auth: { options: { secret: SECRET } } } })
  })
})
