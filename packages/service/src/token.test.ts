import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeProtectedHeader, jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import type { RawEnv } from './config/index.js'
import { mintToken, runTokenCli } from './token.js'

const SECRET = 'a-token-test-secret-of-at-least-32-bytes'
const NOW = new Date('2030-01-02T03:04:05.678Z')
const IAT = Math.floor(NOW.getTime() / 1000)
const key = new TextEncoder().encode(SECRET)

describe('mintToken', () => {
  it('signs an HS256 token that verifies and carries sub, roles, iat, exp, iss and aud', async () => {
    const token = await mintToken({
      secret: SECRET,
      sub: 'ada',
      roles: ['user', 'operator'],
      ttlSeconds: 600,
      issuer: 'https://id.example.com',
      audience: 'users-api',
      now: NOW,
    })
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      issuer: 'https://id.example.com',
      audience: 'users-api',
      currentDate: NOW,
    })
    expect(payload).toEqual({
      sub: 'ada',
      roles: ['user', 'operator'],
      iat: IAT,
      exp: IAT + 600,
      iss: 'https://id.example.com',
      aud: 'users-api',
    })
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' })
  })

  it('leaves out iss and aud when not given, and fails verification with another secret', async () => {
    const token = await mintToken({ secret: SECRET, sub: 'bob', roles: [], ttlSeconds: 60, now: NOW })
    const { payload } = await jwtVerify(token, key, { currentDate: NOW })
    expect(payload).toEqual({ sub: 'bob', roles: [], iat: IAT, exp: IAT + 60 })
    await expect(jwtVerify(token, new TextEncoder().encode('x'.repeat(32)), { currentDate: NOW })).rejects.toThrow(
      /signature/,
    )
  })

  it('refuses a short secret, an empty subject and a bad lifetime', async () => {
    const input = { secret: SECRET, sub: 'ada', roles: ['user'], ttlSeconds: 60, now: NOW }
    await expect(mintToken({ ...input, secret: 'short' })).rejects.toThrow(/32 bytes/)
    await expect(mintToken({ ...input, sub: '' })).rejects.toThrow(/subject/)
    await expect(mintToken({ ...input, ttlSeconds: 0 })).rejects.toThrow(/ttlSeconds/)
    await expect(mintToken({ ...input, ttlSeconds: 1.5 })).rejects.toThrow(/ttlSeconds/)
  })
})

// The users service's role table, as examples/users-service signs for it.
const ROLES = {
  admin: ['users:create', 'users:read', 'users:list', 'users:update', 'users:deactivate'],
  operator: ['users:read', 'users:list'],
  user: ['users:read:self', 'users:update:self'],
}

// A directory without a .env: a developer's own file never reaches these tests.
const noEnvFile = mkdtempSync(join(tmpdir(), 'token-cli-'))

async function run(argv: readonly string[], env: RawEnv = { EVENTCORE_JWT_SECRET: SECRET }, cwd = noEnvFile) {
  const out: string[] = []
  const err: string[] = []
  const code = await runTokenCli(argv, {
    name: 'users service',
    roles: ROLES,
    env,
    cwd,
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    now: () => NOW,
  })
  return { code, stdout: out.join(''), stderr: err.join('') }
}

describe('the token script', () => {
  it('signs with the secret a development .env gives, as the server reads it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'token-cli-env-'))
    const fromFile = 'a-secret-from-the-env-file-of-32-bytes-or-more'
    writeFileSync(join(dir, '.env'), `EVENTCORE_JWT_SECRET=${fromFile}\n`)
    const { code, stdout } = await run(['--role', 'admin', '--sub', 'ada'], {}, dir)
    expect(code).toBe(0)
    await expect(jwtVerify(stdout.trim(), new TextEncoder().encode(fromFile))).resolves.toBeDefined()
    const broken = await run(['--role', 'admin', '--sub', 'ada'], { EVENTCORE_ENV_FILE: 'missing.env' }, dir)
    expect([broken.code, broken.stderr]).toEqual([
      1,
      expect.stringMatching(/^error: EVENTCORE_ENV_FILE: cannot read .*missing\.env' \(ENOENT\)\n$/),
    ])
  })

  it('prints only a token for the configured secret, lasting the maximum age by default', async () => {
    const { code, stdout, stderr } = await run(['--sub', 'ada', '--role', 'user', '--role', 'admin'], {
      EVENTCORE_JWT_SECRET: SECRET,
      EVENTCORE_JWT_AUDIENCE: 'users-api',
      EVENTCORE_JWT_MAX_AGE_SECONDS: '900',
    })
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/)
    const { payload } = await jwtVerify(stdout.trim(), key, { audience: 'users-api', currentDate: NOW })
    expect(payload).toMatchObject({ sub: 'ada', roles: ['user', 'admin'], exp: IAT + 900 })
  })

  it('takes --ttl', async () => {
    const { stdout } = await run(['--sub', 'ada', '--role', 'user', '--ttl', '120'])
    const { payload } = await jwtVerify(stdout.trim(), key, { currentDate: NOW })
    expect(payload.exp).toBe(IAT + 120)
  })

  it.each([
    [['--sub', 'ada', '--role', 'user', '--ttl', '3601'], /^error: --ttl 3601 exceeds the maximum token age of 3600 s/],
    [
      ['--sub', 'ada', '--role', 'user', '--ttl', 'soon'],
      /^error: option '--ttl <seconds>' argument 'soon' is invalid/,
    ],
    [['--sub', 'ada'], /^error: give at least one --role/],
    [['--sub', 'ada', '--role', 'root'], /^error: unknown role root \(known: admin, operator, user\)/],
    [['--role', 'user'], /^error: required option '--sub <id>' not specified/],
  ])('fails with one line for %j', async (argv, message) => {
    const { code, stdout, stderr } = await run(argv)
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toMatch(message)
    expect(stderr.trimEnd().split('\n')).toHaveLength(1)
  })

  it('fails with one line when the configuration has problems', async () => {
    const { code, stderr } = await run(['--sub', 'ada', '--role', 'user'], {
      EVENTCORE_JWT_SECRET: 'short',
      EVENTCORE_PORT: 'abc',
    })
    expect(code).toBe(1)
    expect(stderr).toBe(
      "error: the configuration has problems: EVENTCORE_PORT must be an integer between 0 and 65535, got 'abc'; EVENTCORE_JWT_SECRET must be at least 32 bytes long (e.g. `openssl rand -base64 32`)\n",
    )
  })

  it('fails when tokens are verified with public keys, which it cannot sign for', async () => {
    const { publicKey } = generateKeyPairSync('ec', {
      namedCurve: 'prime256v1',
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    })
    for (const env of [
      { EVENTCORE_JWT_JWKS_URL: 'https://id.example.com/jwks' },
      { EVENTCORE_JWT_PUBLIC_KEY: publicKey, EVENTCORE_JWT_ALGORITHM: 'ES256' },
    ]) {
      const { code, stderr } = await run(['--sub', 'ada', '--role', 'user'], env)
      expect(code).toBe(1)
      expect(stderr).toMatch(/^error: the service verifies tokens with public keys.*\n$/)
    }
  })

  it('fails when the generated secret would live in memory only', async () => {
    const { code, stderr } = await run(['--sub', 'ada', '--role', 'user'], { EVENTCORE_DATA_DIR: 'memory://' })
    expect(code).toBe(1)
    expect(stderr).toMatch(/^error: the generated secret of EVENTCORE_DATA_DIR=memory:\/\/ is not shared/)
  })

  it('lists its options with --help', async () => {
    const { code, stdout } = await run(['--help'])
    expect(code).toBe(0)
    for (const option of ['--sub <id>', '--role <role>', '--ttl <seconds>', '--help']) expect(stdout).toContain(option)
  })
})
