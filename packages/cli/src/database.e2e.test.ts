// The database commands (health-check database, migrate, streams show, events tail), run as the
// built binary against a PGlite directory a store left behind and, when EVENTCORE_TEST_DATABASE_URL
// is set, against PostgreSQL in a schema of this file's own.
import { spawn } from 'node:child_process'
import { type AddressInfo, createServer, type Server } from 'node:net'
import { event } from '@eventcore/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI_BIN, runBuiltCli, TEST_SECRET } from './test-cli.js'
import { databaseUrl, pgliteDataDir, postgresSchema, uniqueSchema, withPassword } from './test-database.js'

interface CheckJson {
  readonly name: string
  readonly status: string
  readonly detail: string
}

const statusOf = (checks: readonly CheckJson[], name: string) => checks.find((c) => c.name === name)?.status

describe('database commands on a PGlite directory', () => {
  let data: Awaited<ReturnType<typeof pgliteDataDir>> | undefined
  const env = () => ({ EVENTCORE_JWT_SECRET: TEST_SECRET, EVENTCORE_DATA_DIR: data?.dir ?? '' })
  beforeAll(async () => {
    data = await pgliteDataDir([
      {
        streamId: 'user-ada',
        events: [
          event('UserRegistered', { email: 'ada@example.com', note: 'x'.repeat(300) }),
          event('UserRenamed', { firstName: 'Ada' }),
        ],
      },
      { streamId: 'order-1', events: [event('OrderPlaced', { total: 12 })] },
      { streamId: 'user-ada', events: [event('UserDeactivated', {})] },
    ])
  })
  afterAll(() => data?.remove())

  it('passes health-check database on a migrated directory given by --data-dir', async () => {
    const run = await runBuiltCli(['health-check', 'database', '--data-dir', data?.dir ?? '', '--json'], {
      EVENTCORE_JWT_SECRET: TEST_SECRET,
    })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const health = JSON.parse(run.stdout) as {
      checks: CheckJson[]
      facts: {
        kind: string
        latency: { medianMs: number; samples: number }
        migrations: { applied: number[]; latest: number }
        tls: unknown
        serverVersion: string
      }
    }
    expect(health.facts.kind).toBe('pglite')
    expect(health.facts.latency.samples).toBe(5)
    expect(health.facts.latency.medianMs).toBeGreaterThan(0)
    expect(health.facts.migrations.applied.at(-1)).toBe(health.facts.migrations.latest)
    expect(health.facts.tls).toBe('not-applicable')
    expect(health.facts.serverVersion).toMatch(/^\d+\.\d+/)
    expect(statusOf(health.checks, 'migrations')).toBe('pass')
    expect(statusOf(health.checks, 'TLS')).toBe('skip')
    expect(statusOf(health.checks, 'pool settings')).toBe('skip')
  })

  it('shows a stream: its version and each event on a line, data cut; --json has every field whole', async () => {
    const text = await runBuiltCli(['streams', 'show', 'user-ada'], env())
    expect(text.code).toBe(0)
    const lines = text.stdout.trimEnd().split('\n')
    expect(lines[0]).toBe('stream user-ada: version 3, showing 3 event(s) from version 1')
    expect(lines[1]).toMatch(/^#1 @1 \d{4}-\d\d-\d\dT[\d:.]+Z UserRegistered [0-9a-f-]{36} \{"note":"x+…$/)
    expect(lines[1]?.length).toBeLessThan(260)
    expect(lines[3]).toMatch(/^#3 @4 .* UserDeactivated /)

    const json = await runBuiltCli(
      ['streams', 'show', 'user-ada', '--from-version', '2', '--limit', '1', '--json'],
      env(),
    )
    expect(json.code).toBe(0)
    const slice = JSON.parse(json.stdout) as {
      version: number
      events: { streamVersion: number; type: string; data: unknown; metadata: unknown }[]
    }
    expect(slice.version).toBe(3)
    expect(slice.events).toEqual([
      expect.objectContaining({
        streamVersion: 2,
        type: 'UserRenamed',
        data: { firstName: 'Ada' },
        metadata: expect.any(Object),
      }),
    ])

    const none = await runBuiltCli(['streams', 'show', 'user-nobody'], env())
    expect(none.code).toBe(1)
    expect(none.stdout).toBe('stream user-nobody: no events (version 0)\n')
  })

  it('tails the global log, filtered by type and by stream prefix', async () => {
    const all = await runBuiltCli(['events', 'tail', '--limit', '2'], env())
    expect(all.code).toBe(0)
    expect(
      all.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split(' ')[0]),
    ).toEqual(['order-1#1', 'user-ada#3'])

    const typed = await runBuiltCli(
      ['events', 'tail', '--type', 'UserRegistered', '--type', 'OrderPlaced', '--json'],
      env(),
    )
    const events = (JSON.parse(typed.stdout) as { events: { type: string }[] }).events
    expect(events.map((e) => e.type)).toEqual(['UserRegistered', 'OrderPlaced'])

    const prefixed = await runBuiltCli(['events', 'tail', '--stream-prefix', 'order-', '--json'], env())
    expect((JSON.parse(prefixed.stdout) as { events: { streamId: string }[] }).events.map((e) => e.streamId)).toEqual([
      'order-1',
    ])
  })

  it('refuses a directory without a database: one line, exit 2', async () => {
    const run = await runBuiltCli(['health-check', 'database', '--data-dir', '/nonexistent/eventcore'], {
      EVENTCORE_JWT_SECRET: TEST_SECRET,
    })
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/^error: no embedded database in \/nonexistent\/eventcore .*\n$/)
  })
})

describe('a database that does not answer', () => {
  const password = 'pw-never-printed-7f3a'
  let silent: Server
  let silentPort = 0
  let closedPort = 0
  beforeAll(async () => {
    // Accepts connections and never answers: the server of a hung database.
    silent = createServer(() => {})
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    silentPort = (silent.address() as AddressInfo).port
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    closedPort = (probe.address() as AddressInfo).port
    await new Promise((resolve) => probe.close(resolve))
  })
  afterAll(() => silent?.close())

  it('is one line and exit 2 when refused, without the password', async () => {
    const run = await runBuiltCli(
      ['health-check', 'database', '--database-url', `postgres://app:${password}@127.0.0.1:${closedPort}/app`],
      { EVENTCORE_JWT_SECRET: TEST_SECRET },
    )
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(
      new RegExp(`^error: postgres://app:\\*\\*\\*@127\\.0\\.0\\.1:${closedPort}/app: .*ECONNREFUSED.*\\n$`),
    )
    expect(run.stdout + run.stderr).not.toContain(password)
  })

  it('is a connection error for every database command, naming the place without the password', async () => {
    const url = `postgres://app:${password}@127.0.0.1:${closedPort}/app`
    for (const args of [['migrate'], ['projections', 'list'], ['streams', 'show', 'x'], ['events', 'tail']]) {
      const run = await runBuiltCli([...args, '--database-url', url, '--json'], { EVENTCORE_JWT_SECRET: TEST_SECRET })
      expect(run.code, args.join(' ')).toBe(2)
      expect(JSON.parse(run.stdout), args.join(' ')).toEqual({
        error: {
          kind: 'connection',
          message: expect.stringMatching(/^postgres:\/\/app:\*\*\*@127\.0\.0\.1:\d+\/app: /),
        },
      })
      expect(run.stdout + run.stderr).not.toContain(password)
    }
  })

  it('is one line and exit 2 within --timeout when it hangs', async () => {
    const started = performance.now()
    const run = await runBuiltCli(
      [
        'health-check',
        'database',
        '--database-url',
        `postgres://app:${password}@127.0.0.1:${silentPort}/app`,
        '--timeout',
        '500',
        '--json',
      ],
      { EVENTCORE_JWT_SECRET: TEST_SECRET },
    )
    const elapsed = performance.now() - started
    expect(run.code).toBe(2)
    expect(run.stderr.split('\n')).toHaveLength(2)
    expect(run.stderr).toMatch(/^error: postgres:\/\/app:\*\*\*@127\.0\.0\.1:\d+\/app: /)
    expect(JSON.parse(run.stdout)).toEqual({ error: { kind: 'connection', message: expect.any(String) } })
    expect(run.stdout + run.stderr).not.toContain(password)
    // The process starts in ~0.5 s; the wait itself is bounded by --timeout, not the 5 s connect default.
    expect(elapsed).toBeLessThan(4000)
  })
})

describe.runIf(databaseUrl)('database commands on PostgreSQL', () => {
  const password = 'pw-never-printed-b41c'
  const schema = uniqueSchema('cli_db')
  const env = () => ({
    EVENTCORE_JWT_SECRET: TEST_SECRET,
    EVENTCORE_DATABASE_URL: withPassword(databaseUrl ?? '', password),
    EVENTCORE_DATABASE_SCHEMA: schema,
  })
  const outputs: string[] = []
  const cli = async (args: readonly string[]) => {
    const run = await runBuiltCli(args, env())
    outputs.push(run.stdout, run.stderr)
    return run
  }
  afterAll(async () => {
    await (await postgresSchema(schema, { migrate: false })).drop()
  })

  it('fails health-check on an unmigrated schema; migrate --dry-run changes nothing; migrate fixes it, once', async () => {
    const before = await cli(['health-check', 'database', '--json'])
    expect(before.code).toBe(1)
    const health = JSON.parse(before.stdout) as { checks: CheckJson[]; facts: { tls: { inUse: boolean } } }
    expect(health.checks.find((c) => c.name === 'migrations')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('run eventcore-cli migrate'),
    })
    expect(statusOf(health.checks, 'pool settings')).toMatch(/pass|warn/)
    expect(typeof health.facts.tls.inUse).toBe('boolean')

    const dry = await cli(['migrate', '--dry-run'])
    expect(dry.code).toBe(0)
    expect(dry.stdout).toMatch(/at 0\nwould apply \d+ migration\(s\):\n {2}1 {2}events and the append function\n/)
    expect((await cli(['health-check', 'database'])).code).toBe(1)

    const applied = await cli(['migrate', '--json'])
    expect(applied.code).toBe(0)
    const report = JSON.parse(applied.stdout) as {
      before: number
      after: number
      latest: number
      applied: { version: number }[]
    }
    expect(report.before).toBe(0)
    expect(report.after).toBe(report.latest)
    expect(report.applied.map((step) => step.version)).toEqual(Array.from({ length: report.latest }, (_, i) => i + 1))

    const again = await cli(['migrate'])
    expect(again.stdout).toMatch(/up to date: nothing applied\n$/)
    const after = await cli(['health-check', 'database'])
    expect(after.code).toBe(0)
    expect(after.stdout).toMatch(/✅ migrations — schema cli_db_\w+ at \d+ of \d+\n/)
    expect(after.stdout).toMatch(/✅ round-trip latency [\d.]+ ms — median of 5 × SELECT 1/)
    expect(after.stdout).toMatch(/TLS — /)
    expect(after.stdout).toMatch(/server version — PostgreSQL \d+/)
  })

  it('shows streams and tails the log; --follow prints appends, through killed connections, until SIGINT, then exits 0', async () => {
    // Migrated by the test before, or here when run alone.
    const { store } = await postgresSchema(schema, { migrate: true })
    try {
      await store.append([
        { streamId: 'account-1', events: [event('Opened', { owner: 'ada' }), event('Deposited', { amount: 5 })] },
      ])
      const show = await cli(['streams', 'show', 'account-1'])
      expect(show.stdout).toMatch(
        /^stream account-1: version 2, showing 2 event\(s\) from version 1\n#1 @\d+ .* Opened /,
      )

      // Its own application_name, so the test can kill the tail's connections and no one else's.
      const applicationName = `cli_tail_${process.pid}`
      const tailUrl = new URL(env().EVENTCORE_DATABASE_URL)
      tailUrl.searchParams.set('application_name', applicationName)
      const child = spawn(process.execPath, [CLI_BIN, 'events', 'tail', '--follow', '--type', 'Deposited', '--json'], {
        env: { PATH: process.env.PATH ?? '', ...env(), EVENTCORE_DATABASE_URL: tailUrl.href },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString()
      })
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString()
      })
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
      const lines = () =>
        stdout
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as { type: string; data: { amount: number } })
      const until = async (done: () => boolean) => {
        const deadline = Date.now() + 10_000
        while (!done()) {
          if (Date.now() > deadline) throw new Error(`timed out; stdout: ${stdout} stderr: ${stderr}`)
          await new Promise((resolve) => setTimeout(resolve, 25))
        }
      }
      try {
        // The tail first (the one Deposited so far), then what is appended while it follows.
        await until(() => lines().length === 1)
        await store.append([
          { streamId: 'account-1', events: [event('Withdrawn', { amount: 1 }), event('Deposited', { amount: 7 })] },
        ])
        await store.append([{ streamId: 'account-2', events: [event('Deposited', { amount: 9 })] }])
        await until(() => lines().length === 3)
        // PostgreSQL kills the tail's connections (idle or in use): it reconnects and goes on.
        const [killed] = await store.driver.query<{ n: number }>(
          'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1',
          [applicationName],
        )
        expect(killed?.n).toBeGreaterThan(0)
        await store.append([{ streamId: 'account-3', events: [event('Deposited', { amount: 11 })] }])
        await until(() => lines().length === 4)
        expect(lines().map((e) => [e.type, e.data.amount])).toEqual([
          ['Deposited', 5],
          ['Deposited', 7],
          ['Deposited', 9],
          ['Deposited', 11],
        ])
        child.kill('SIGINT')
        expect(await exited).toBe(0)
        expect(stderr).toBe('')
      } finally {
        child.kill('SIGKILL')
      }
    } finally {
      await store.close()
    }
    expect(outputs.join('')).not.toContain(password)
  })
})
