// `projections …` run as the built binary against the users service running on PostgreSQL (its
// `users` projection), and against projections this test runs itself to park events and to fail.
import {
  type Checkpoint,
  defineProjection,
  event,
  type ProjectionRunner,
  projectionStatus,
  runProjection,
} from '@eventcore/core'
import { createSqlProjectionStore, type PostgresEventStore, type SqlConnection } from '@eventcore/postgres'
import type { ChildService } from '@eventcore/service/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runBuiltCli, startUsersService, TEST_SECRET } from './test-cli.js'
import { databaseUrl, postgresSchema, uniqueSchema } from './test-database.js'

/** Polls `check` until it holds (every 25 ms, at most 10 s). */
async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

describe.runIf(databaseUrl)('projections of a users service running on PostgreSQL', () => {
  const schema = uniqueSchema('cli_proj')
  const env = {
    EVENTCORE_JWT_SECRET: TEST_SECRET,
    EVENTCORE_DATABASE_URL: databaseUrl ?? '',
    EVENTCORE_DATABASE_SCHEMA: schema,
  }
  let service: ChildService
  let store: PostgresEventStore
  let drop: () => Promise<void>
  let token: string
  const runners: ProjectionRunner[] = []
  const cli = (args: readonly string[]) => runBuiltCli(['projections', ...args], env)
  const checkpoint = async (name: string): Promise<Checkpoint> => {
    const found = (await createSqlProjectionStore(store).list()).find((c) => c.name === name)
    if (!found) throw new Error(`no checkpoint ${name}`)
    return found
  }
  const caughtUp = async (name: string) => {
    const status = (await projectionStatus(store, createSqlProjectionStore(store))).find((s) => s.name === name)
    return status !== undefined && status.eventsBehind === 0
  }
  let registered = 0
  const register = async () => {
    registered += 1
    const response = await fetch(`${service.url}/api/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        email: `u${registered}-${schema}@example.com`,
        first_name: `User${registered}`,
        last_name: 'Test',
      }),
    })
    expect(response.status).toBe(201)
  }

  beforeAll(async () => {
    ;({ store, drop } = await postgresSchema(schema, { migrate: true }))
    service = await startUsersService({ EVENTCORE_DATABASE_URL: databaseUrl ?? '', EVENTCORE_DATABASE_SCHEMA: schema })
    token = (await runBuiltCli(['token', 'create', '--sub', 'ops', '--role', 'admin'], env)).stdout.trim()
    for (let i = 0; i < 3; i++) await register()
    await until(
      'the users projection to catch up',
      async () => (await checkpoint('users')).processed >= 3 && (await caughtUp('users')),
    )
  })
  afterAll(async () => {
    await Promise.all(runners.map((runner) => runner.stop().catch(() => {})))
    await service?.kill()
    await drop?.()
  })

  it("lists the running service's projection and its status; an unknown name is exit 2 naming the known", async () => {
    const users = await checkpoint('users')
    const list = await cli(['list'])
    expect(list.code).toBe(0)
    expect(list.stdout).toMatch(/^NAME +VERSION +ACTIVE +STATE +PROCESSED +POSITION\n/)
    expect(list.stdout).toMatch(
      new RegExp(`\\nusers +1 +yes +running +${users.processed} +${users.cursor.position}\\n`),
    )

    const status = await cli(['status', 'users', '--json'])
    expect(status.code).toBe(0)
    expect(JSON.parse(status.stdout)).toEqual({
      projections: [
        expect.objectContaining({
          name: 'users',
          version: 1,
          active: true,
          state: 'running',
          processed: users.processed,
          position: users.cursor.position,
          eventsBehind: 0,
          secondsBehind: 0,
          deadLetters: 0,
          lastError: null,
        }),
      ],
    })

    const byVersion = await cli(['status', 'users@1', '--json'])
    expect(JSON.parse(byVersion.stdout)).toEqual(JSON.parse(status.stdout))
    const noVersion = await cli(['status', 'users@9'])
    expect(noVersion.code).toBe(2)
    expect(noVersion.stderr).toBe("error: projection 'users' has no version 9; known: 1\n")

    const unknown = await cli(['status', 'nope'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/^error: unknown projection 'nope'; known: [\w, ]*users/)
  })

  it('resets only with --yes; the runner follows, and the idempotent read model comes out whole', async () => {
    const before = await checkpoint('users')
    const dry = await cli(['reset', 'users'])
    expect(dry.code).toBe(2)
    expect(dry.stdout).toBe(
      `users@1 (running) moves from position ${before.cursor.position} to the start.\nNothing done: add --yes to do it.\n`,
    )
    expect((await checkpoint('users')).cursor).toEqual(before.cursor)

    const reset = await cli(['reset', 'users', '--yes'])
    expect(reset.code).toBe(0)
    expect(reset.stdout).toContain('The read model is not cleared')
    expect((await checkpoint('users')).cursor).toEqual({ transactionId: 0, position: 0 })

    // Caught up, the runner learns of the move at its next batch: the next append.
    await register()
    await until(
      'the replay',
      async () => (await checkpoint('users')).processed > before.processed + 3 && (await caughtUp('users')),
    )
    const list = await fetch(`${service.url}/api/v1/users?limit=100`, { headers: { authorization: `Bearer ${token}` } })
    const names = ((await list.json()) as { items: { first_name: string }[] }).items.map((u) => u.first_name).sort()
    expect(names).toEqual(['User1', 'User2', 'User3', 'User4'])

    const page = await store.readAll({ limit: 1000 })
    const second = page.events.filter((e) => e.type === 'UserRegistered')[1]
    if (!second) throw new Error('no second registration')
    const to = await cli(['reset', 'users', '--to-position', String(second.globalPosition), '--yes'])
    expect(to.code).toBe(0)
    expect((await checkpoint('users')).cursor).toEqual({
      transactionId: second.transactionId,
      position: second.globalPosition,
    })
    const nowhere = await cli(['reset', 'users', '--to-position', '99999999', '--yes'])
    expect(nowhere.code).toBe(2)
    expect(nowhere.stderr).toBe('error: no event at global position 99999999 (--to-position)\n')
  })

  it('rebuilds from the start with the processed count from 0', async () => {
    const rebuild = await cli(['rebuild', 'users', '--yes'])
    expect(rebuild.code).toBe(0)
    expect(await checkpoint('users')).toMatchObject({ cursor: { transactionId: 0, position: 0 }, processed: 0 })
    await register()
    await until('the rebuild', () => caughtUp('users'))
    const handled = (await store.readAll({ limit: 1000 })).events.filter((e) => e.streamId.startsWith('user-'))
    await until('the count', async () => (await checkpoint('users')).processed === handled.length)
  })

  it('lists parked events, retries one (the runner applies it again) and drops another with --yes', async () => {
    let failing = true
    const seen: string[] = []
    const flaky = defineProjection<SqlConnection>({
      name: 'flaky',
      version: 1,
      eventTypes: ['Poison', 'Fine'],
      failure: { onExhausted: 'dead-letter', maxAttempts: 1, baseDelayMs: 1 },
      handle: (e) => {
        if (e.type === 'Poison' && failing) throw new Error('poisoned on purpose')
        seen.push(e.eventId)
      },
    })
    const projections = createSqlProjectionStore(store)
    runners.push(runProjection({ store, projections, projection: flaky, minPollMs: 10, maxPollMs: 50 }))
    const appended = await store.append([
      { streamId: 'probe-1', events: [event('Fine', {}), event('Poison', { n: 1 }), event('Fine', {})] },
    ])
    if (!appended.ok) throw appended.error
    const poison = appended.events[1]?.eventId ?? ''
    await until(
      'the dead letter',
      async () => (await projections.deadLetters('flaky')).length === 1 && (await caughtUp('flaky')),
    )

    const listed = await cli(['dead-letters', 'flaky'])
    expect(listed.code).toBe(0)
    expect(listed.stdout).toMatch(
      new RegExp(
        `^flaky@1: 1 dead letter\\(s\\)\\nEVENT +POSITION +ATTEMPTS +FAILED AT +ERROR\\n${poison} +\\d+ +1 +\\S+ +poisoned on purpose\\n$`,
      ),
    )
    const status = await cli(['status', 'flaky', '--json'])
    expect((JSON.parse(status.stdout) as { projections: { deadLetters: number }[] }).projections[0]?.deadLetters).toBe(
      1,
    )
    const wrongEvent = await cli(['dead-letters', 'retry', 'flaky', '--event', '00000000-0000-7000-8000-000000000000'])
    expect(wrongEvent.code).toBe(2)

    failing = false
    const retry = await cli(['dead-letters', 'retry', 'flaky', '--event', poison])
    expect(retry.code).toBe(0)
    expect(retry.stdout).toContain(`flaky@1: 1 dead letter(s) removed (${poison})`)
    expect(await projections.deadLetters('flaky')).toEqual([])
    await store.append([{ streamId: 'probe-1', events: [event('Fine', {})] }])
    await until('the retried event to be applied', () => seen.includes(poison))

    failing = true
    await store.append([{ streamId: 'probe-2', events: [event('Poison', { n: 2 })] }])
    await until('the second dead letter', async () => (await projections.deadLetters('flaky')).length === 1)
    const dry = await cli(['dead-letters', 'drop', 'flaky'])
    expect(dry.code).toBe(2)
    expect(dry.stdout).toBe('flaky@1: would discard 1 dead letter(s).\nNothing done: add --yes to do it.\n')
    expect(await projections.deadLetters('flaky')).toHaveLength(1)
    const drop = await cli(['dead-letters', 'drop', 'flaky', '--yes'])
    expect(drop.code).toBe(0)
    expect(drop.stdout).toBe('flaky@1: 1 dead letter(s) discarded\n')
    expect(await projections.deadLetters('flaky')).toEqual([])
  })

  it('reports a failed projection (exit 1, its error) and a reset clears the failure', async () => {
    const brittle = defineProjection<SqlConnection>({
      name: 'brittle',
      version: 1,
      eventTypes: ['Brittle'],
      failure: { onExhausted: 'stop', maxAttempts: 1, baseDelayMs: 1 },
      handle: () => {
        throw new Error('brittle on purpose')
      },
    })
    const runner = runProjection({
      store,
      projections: createSqlProjectionStore(store),
      projection: brittle,
      minPollMs: 10,
    })
    runners.push(runner)
    await store.append([{ streamId: 'probe-3', events: [event('Brittle', {})] }])
    expect((await runner.done).state).toBe('failed')

    const status = await cli(['status', 'brittle'])
    expect(status.code).toBe(1)
    expect(status.stdout).toMatch(
      /\nbrittle +1 +(yes|no) +failed .*\nbrittle@1 last error at \S+ \(event [0-9a-f-]{36}\): brittle on purpose\n$/,
    )

    const reset = await cli(['reset', 'brittle', '--yes'])
    expect(reset.code).toBe(0)
    expect(reset.stdout).toMatch(
      /^brittle@1 \(failed\) moves from (the start|position \d+) to the start; its failed state is cleared \(to idle\): done\./,
    )
    expect(await checkpoint('brittle')).toMatchObject({ state: 'idle', lastError: undefined, cursor: { position: 0 } })
  })
})
