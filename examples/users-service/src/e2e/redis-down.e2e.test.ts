// Issue 8: with EVENTCORE_REDIS_URL pointing at a Redis that is down the service used to die at
// start-up ("[ioredis] Unhandled error event … Connection is closed."). It starts, serves with the
// limiter failing open, reports the outage in /ready and once in its log, and connects by itself
// when a Redis appears on that port. The Redis here is our own on a free port, never the main one.
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { mintToken } from '@eventcore/service'
import { assertBuilt, type ChildService, spawnService } from '@eventcore/service/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, TEST_SECRET } from './harness.js'
import { MAIN_SCRIPT } from './main-script.js'

const LIMIT = 3
const WARNING = /"level":40[^\n]*EVENTCORE_REDIS_URL/g

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/** A throw-away redis-server on `port`, resolved once it accepts connections (within 10 s). */
function startRedis(port: number): Promise<ChildProcess> {
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis-server did not start within 10 s')), 10_000)
    let output = ''
    redis.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk
      if (!output.includes('Ready to accept connections')) return
      clearTimeout(timer)
      resolve(redis)
    })
    redis.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`redis-server exited (${code}): ${output}`))
    })
  })
}

describe('a service whose Redis is down', () => {
  let port: number
  let service: ChildService
  let redis: ChildProcess | undefined
  let token: string
  beforeAll(async () => {
    assertBuilt(MAIN_SCRIPT)
    port = await freePort()
    service = await spawnService(MAIN_SCRIPT, {
      EVENTCORE_JWT_SECRET: TEST_SECRET,
      EVENTCORE_DATA_DIR: 'memory://',
      EVENTCORE_LOG_LEVEL: 'info',
      EVENTCORE_REDIS_URL: `redis://127.0.0.1:${port}/0`,
      EVENTCORE_RATE_LIMIT_MAX: String(LIMIT),
    })
    token = await mintToken({
      secret: TEST_SECRET,
      sub: 'redis-down',
      roles: ['admin'],
      ttlSeconds: 300,
      now: new Date(),
    })
  })
  afterAll(async () => {
    redis?.kill('SIGKILL')
    await service?.kill()
  })

  const me = () => fetch(`${service.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })
  const ready = async () => {
    const response = await fetch(`${service.url}/ready`)
    return { status: response.status, text: await response.text() }
  }

  it('starts, serves past the limit, reports redis in /ready as degraded, and warns once; then connects when Redis appears', async () => {
    // Down: every request served (the limiter fails open), /ready names the failing check but stays 200.
    const served = await Promise.all(Array.from({ length: LIMIT + 3 }, me))
    expect(served.map((r) => r.status)).toEqual(Array(LIMIT + 3).fill(200))
    const write = await fetch(`${service.url}/api/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'redis-down@example.com', first_name: 'Ada', last_name: 'Lovelace' }),
    })
    expect(write.status).toBe(201)
    const down = await ready()
    expect(down.status).toBe(200)
    expect(JSON.parse(down.text)).toMatchObject({
      status: 'degraded',
      checks: expect.arrayContaining([
        { name: 'redis', ok: false, error: expect.stringMatching(/EVENTCORE_REDIS_URL/) },
        { name: 'database', ok: true },
      ]),
    })
    expect(down.text).not.toContain(String(port)) // a public probe names no host or port

    // The outage outlasts several reconnection attempts (100, 200, 400, 800 ms…), still one warning.
    const since = performance.now()
    await eventually(async () =>
      (await ready()).text.includes('"degraded"') && performance.now() - since > 1600 ? true : undefined,
    )
    expect(service.output().stdout.match(WARNING)).toHaveLength(1)

    // Up: connected without a restart, ready, and the shared limit enforced again.
    redis = await startRedis(port)
    await eventually(async () => ((await ready()).text.includes('"status":"ready"') ? true : undefined), {
      timeoutMs: 8000,
    })
    await service.waitForStdout(/Redis at EVENTCORE_REDIS_URL answers again/)
    const limited = await Promise.all(Array.from({ length: LIMIT + 2 }, me))
    expect(limited.filter((r) => r.status === 429).length).toBeGreaterThan(0)

    const { stdout, stderr } = service.output()
    expect(stdout.match(WARNING)).toHaveLength(1)
    expect(stdout + stderr).not.toMatch(/Unhandled error event|failed to start/)
    expect(stdout + stderr).not.toContain(`127.0.0.1:${port}`) // the URL (it may hold a password) is never logged
  })
})
