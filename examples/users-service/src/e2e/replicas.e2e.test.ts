import { LOCK_NAMESPACE } from '@eventcore/postgres'
import { loadConfig, mintToken, type RunningService } from '@eventcore/service'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UserBody, UserPage } from '../http/schemas.js'
import type { Role } from '../roles.js'
import { emailStream, USERS_PROJECTION } from '../users/index.js'
import { startUsersService } from '../users-service.js'
import { bodyOf, databaseUrl, eventually, expectProblem, newUser, TEST_SECRET, uniqueEmail } from './harness.js'

// Replicas need what they share: one PostgreSQL schema, and Redis for the rate-limit counters.
const redisUrl = process.env.EVENTCORE_TEST_REDIS_URL
const RATE_LIMIT_MAX = 6
// Rate-limit keys live in Redis under the subject (`eventcore:ratelimit:sub:<id>`): unique per run,
// so that another run against the same Redis database cannot have used them up.
const run = `${process.pid}-${Date.now().toString(36)}`
const schemas: string[] = []

/** One replica and a `fetch` against it. */
interface Replica extends RunningService {
  call(path: string, init?: { token?: string; method?: string; json?: unknown }): Promise<Response>
}

async function startReplica(schema: string, env: Readonly<Record<string, string>>): Promise<Replica> {
  const loaded = loadConfig({
    NODE_ENV: 'test',
    EVENTCORE_PORT: '0',
    EVENTCORE_HOST: '127.0.0.1',
    EVENTCORE_LOG_LEVEL: 'silent',
    EVENTCORE_JWT_SECRET: TEST_SECRET,
    EVENTCORE_DATA_DIR: 'memory://',
    EVENTCORE_DATABASE_URL: databaseUrl ?? '',
    EVENTCORE_DATABASE_SCHEMA: schema,
    EVENTCORE_REDIS_URL: redisUrl ?? '',
    ...env,
  })
  if (!loaded.ok) throw new Error(`replica configuration: ${loaded.problems.join('; ')}`)
  const service = await startUsersService(loaded.config)
  return {
    ...service,
    call: (path, { token, method = 'GET', json } = {}) =>
      fetch(`${service.url}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(json === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      }),
  }
}

const token = (sub: string, roles: readonly Role[] = ['admin']) =>
  mintToken({ secret: TEST_SECRET, sub: `${sub}-${run}`, roles, ttlSeconds: 300, now: new Date() })

const replicas: Replica[] = []
/**
 * Two replicas on a schema of their own; the first starts alone, so it is the one that takes the
 * projection's lease.
 */
async function startPair(env: Readonly<Record<string, string>> = {}) {
  const schema = `ec_e2e_replicas_${run.replace('-', '_')}_${schemas.length + 1}`
  schemas.push(schema)
  const a = await startReplica(schema, env)
  replicas.push(a)
  const b = await startReplica(schema, env)
  replicas.push(b)
  return { a, b, schema }
}

/** How many sessions hold the users projection's lease (a session advisory lock) in the schema. */
async function leaseHolders(db: pg.Client, schema: string): Promise<number> {
  const key = `${schema}.projection.${USERS_PROJECTION.name}@${USERS_PROJECTION.version}`
  const { rows } = await db.query<{ holders: string }>(
    `SELECT count(*) AS holders FROM pg_locks
     WHERE locktype = 'advisory' AND granted AND objsubid = 2
       AND classid::bigint = $1 AND objid::bigint = (hashtext($2)::bigint + 4294967296) % 4294967296`,
    [LOCK_NAMESPACE + 2, key],
  )
  return Number(rows[0]?.holders)
}

describe.runIf(databaseUrl && redisUrl)('two replicas on one PostgreSQL schema and one Redis', () => {
  const db = new pg.Client({ connectionString: databaseUrl })
  beforeAll(() => db.connect())
  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.close()))
    for (const schema of schemas) await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await db.end()
  })

  describe(`with EVENTCORE_RATE_LIMIT_MAX=${RATE_LIMIT_MAX}`, () => {
    let a: Replica
    let b: Replica
    beforeAll(async () => {
      ;({ a, b } = await startPair({ EVENTCORE_RATE_LIMIT_MAX: String(RATE_LIMIT_MAX) }))
    })

    it(`share one limit per caller: request ${RATE_LIMIT_MAX + 1}, alternating replicas, is 429`, async () => {
      const greedy = await token('greedy')
      const remaining: (string | null)[] = []
      for (let n = 0; n < RATE_LIMIT_MAX; n++) {
        const response = await (n % 2 === 0 ? a : b).call('/api/v1/me', { token: greedy })
        expect(response.status).toBe(200)
        remaining.push(response.headers.get('ratelimit-remaining'))
        await response.arrayBuffer()
      }
      // One counter, counted down by both replicas.
      expect(remaining).toEqual(Array.from({ length: RATE_LIMIT_MAX }, (_, n) => String(RATE_LIMIT_MAX - 1 - n)))
      const over = await (RATE_LIMIT_MAX % 2 === 0 ? a : b).call('/api/v1/me', { token: greedy })
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0)
      await expectProblem(over, 429, 'rate-limited')
      const onTheOther = await (RATE_LIMIT_MAX % 2 === 0 ? b : a).call('/api/v1/me', { token: greedy })
      await expectProblem(onTheOther, 429, 'rate-limited')
      // Another caller has a limit of its own.
      const other = await b.call('/api/v1/me', { token: await token('modest') })
      expect(other.status).toBe(200)
      expect(other.headers.get('ratelimit-remaining')).toBe(String(RATE_LIMIT_MAX - 1))
    })
  })

  describe('with the default rate limit', () => {
    let a: Replica
    let b: Replica
    let schema: string
    beforeAll(async () => {
      ;({ a, b, schema } = await startPair())
    })

    it('serve a user registered on one replica from the other, by id and, once projected, in the list', async () => {
      const admin = await token('registrar')
      const created = await a.call('/api/v1/users', { method: 'POST', token: admin, json: newUser('replica') })
      expect(created.status).toBe(201)
      const user = await bodyOf(created, UserBody)
      const read = await b.call(`/api/v1/users/${user.id}`, { token: admin })
      expect(read.headers.get('etag')).toBe(created.headers.get('etag'))
      expect(await bodyOf(read, UserBody)).toEqual(user)
      const listed = await eventually(async () => {
        const page = await bodyOf(await b.call('/api/v1/users?limit=200', { token: admin }), UserPage)
        return page.items.find((item) => item.id === user.id)
      })
      expect(listed).toEqual(user)
    })

    it('run the users projection on one replica at a time', async () => {
      expect(await leaseHolders(db, schema)).toBe(1)
    })

    it('let exactly one of two concurrent registrations of an address, one per replica, succeed', async () => {
      const admin = await token('racer')
      for (let round = 0; round < 5; round++) {
        const email = uniqueEmail('contested')
        const responses = await Promise.all(
          [a, b].map((replica, i) =>
            replica.call('/api/v1/users', {
              method: 'POST',
              token: admin,
              json: newUser('racer', { email, first_name: `R${i}` }),
            }),
          ),
        )
        const statuses = responses.map((r) => r.status).sort()
        expect(statuses).toEqual([201, 409])
        const loser = responses.find((r) => r.status === 409)
        if (loser) await expectProblem(loser, 409, 'email-taken')
        const claims = await a.store.readStream(emailStream(email))
        expect(claims.events.map((e) => e.type)).toEqual(['EmailClaimed'])
      }
    })

    it('hand the projection over when the replica running it shuts down', async () => {
      await a.close()
      const admin = await token('survivor')
      const created = await b.call('/api/v1/users', { method: 'POST', token: admin, json: newUser('after-failover') })
      const user = await bodyOf(created, UserBody)
      const listed = await eventually(async () => {
        const page = await bodyOf(await b.call('/api/v1/users?limit=200', { token: admin }), UserPage)
        return page.items.find((item) => item.id === user.id)
      })
      expect(listed).toEqual(user)
      expect(await leaseHolders(db, schema)).toBe(1)
    })
  })
})
