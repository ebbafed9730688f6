// The verdicts of health-check database, from facts alone (the e2e tests measure real databases).
import { describe, expect, it } from 'vitest'
import { type DatabaseFacts, isLocalHost, judge } from './database-health.js'

const facts = (over: Partial<DatabaseFacts> = {}): DatabaseFacts => ({
  kind: 'postgres',
  location: 'postgres://app:***@db.internal:5432/app',
  schema: 'eventcore',
  latency: { samples: 5, medianMs: 0.4, maxMs: 0.9 },
  connectMs: 8,
  migrations: { applied: [1, 2, 3, 4], latest: 4 },
  pool: {
    poolSize: 10,
    connectTimeoutMs: 5000,
    statementTimeoutMs: 30000,
    poolWaitMs: 2000,
    serverMaxConnections: 100,
    statementTimeoutInEffect: '30s',
  },
  tls: { inUse: true, version: 'TLSv1.3' },
  serverVersion: '16.4',
  role: 'app',
  superuser: false,
  ...over,
})

const check = (result: ReturnType<typeof judge>, name: string) => result.find((c) => c.name === name)

describe('health-check database verdicts', () => {
  it('passes a migrated schema over TLS as a plain role', () => {
    expect(judge(facts()).map((c) => c.status)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass'])
    expect(check(judge(facts()), 'TLS')?.detail).toBe('in use on this connection (TLSv1.3)')
  })

  it('fails a schema behind (naming migrate) or ahead (naming the newer release)', () => {
    const behind = check(judge(facts({ migrations: { applied: [1, 2], latest: 4 } })), 'migrations')
    expect(behind).toMatchObject({
      status: 'fail',
      detail: 'schema at 2 of 4, missing 3, 4: run eventcore-cli migrate',
    })
    const none = check(judge(facts({ migrations: { applied: [], latest: 4 } })), 'migrations')
    expect(none).toMatchObject({ status: 'fail', detail: expect.stringContaining('not migrated (0 of 4)') })
    const ahead = check(judge(facts({ migrations: { applied: [1, 2, 3, 4, 5], latest: 4 } })), 'migrations')
    expect(ahead).toMatchObject({ status: 'warn', detail: expect.stringContaining("ahead of this binary's 4") })
  })

  it('warns of plaintext over the network (not to this host) and of TLS older than 1.2, and skips TLS and the pool on PGlite', () => {
    const plain = { inUse: false, version: null }
    expect(check(judge(facts({ tls: plain })), 'TLS')?.status).toBe('warn')
    expect(check(judge(facts({ tls: plain, location: 'postgres://app@127.0.0.1:5432/app' })), 'TLS')?.status).toBe(
      'pass',
    )
    expect(check(judge(facts({ tls: { inUse: true, version: 'TLSv1.1' } })), 'TLS')).toEqual({
      name: 'TLS',
      status: 'warn',
      detail:
        "in use on this connection, but TLSv1.1, older than TLS 1.2: set ssl_min_protocol_version = 'TLSv1.2' on the server",
    })
    expect(check(judge(facts({ tls: { inUse: true, version: 'TLSv1.2' } })), 'TLS')?.status).toBe('pass')
    const lite = judge(facts({ kind: 'pglite', tls: 'not-applicable', pool: undefined }))
    expect(check(lite, 'TLS')?.status).toBe('skip')
    expect(check(lite, 'pool settings')?.status).toBe('skip')
  })

  it('warns of a superuser, a slow round trip, and a pool as large as the server allows', () => {
    expect(check(judge(facts({ superuser: true })), 'role')?.status).toBe('warn')
    expect(
      check(judge(facts({ latency: { samples: 5, medianMs: 80, maxMs: 120 } })), 'round-trip latency'),
    ).toMatchObject({
      status: 'warn',
      figure: { value: 80, unit: 'ms' },
    })
    const pool = facts().pool
    if (!pool) throw new Error('no pool')
    expect(check(judge(facts({ pool: { ...pool, serverMaxConnections: 10 } })), 'pool settings')?.status).toBe('warn')
  })

  it('knows a local host from a remote one', () => {
    for (const url of [
      'postgres://a@localhost/x',
      'postgres://a@127.0.0.1:5432/x',
      'postgres://a@[::1]/x',
      'postgres:///x?host=/run/postgresql',
    ])
      expect(isLocalHost(url), url).toBe(true)
    for (const url of ['postgres://a@db.internal/x', 'postgres://a@10.0.0.5/x'])
      expect(isLocalHost(url), url).toBe(false)
  })
})
