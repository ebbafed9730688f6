import { randomUUID } from 'node:crypto'
import { canCreateScratchCluster, createScratchCluster, type ScratchCluster } from '@eventcore/postgres/testing'
import { mintToken } from '@eventcore/service'
import { assertBuilt, type ChildService, spawnService } from '@eventcore/service/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Outcome, register, registerUntil, tally } from './faults-load.js'
import { databaseUrl, TEST_SECRET } from './harness.js'
import { MAIN_SCRIPT } from './main-script.js'

// The built service as a child process on a PostgreSQL cluster of this file's own: backends killed
// and the server restarted and stopped while registrations run. Every 2xx-answered user must be
// stored whole, no request may get a 500 or hang, failures are 503 problem+json, /ready follows
// the outage, and the same process serves again afterwards.
describe.runIf(databaseUrl && canCreateScratchCluster())('the users service under database faults', () => {
  let cluster: ScratchCluster
  let service: ChildService
  let token: string
  const schema = `ec_faults_${process.pid}_${Date.now().toString(36)}`
  const outcomes: Outcome[] = []
  const faults: Record<string, number> = {}
  const figures: Record<string, unknown> = { faults }
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
  const ready = async () =>
    (await fetch(`${service.url}/ready`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined))?.status
  const until = async (what: string, check: () => Promise<boolean>, ms = 10_000) => {
    const started = performance.now()
    while (performance.now() - started < ms) {
      if (await check()) return Math.round(performance.now() - started)
      await sleep(50)
    }
    throw new Error(`no ${what} within ${ms} ms`)
  }
  const sql = <Row>(text: string, values?: unknown[]) => cluster.sql<Row>(text, values)

  beforeAll(async () => {
    assertBuilt(MAIN_SCRIPT)
    const started = performance.now()
    cluster = await createScratchCluster()
    const clusterMs = Math.round(performance.now() - started)
    service = await spawnService(MAIN_SCRIPT, {
      EVENTCORE_JWT_SECRET: TEST_SECRET,
      EVENTCORE_DATA_DIR: 'memory://',
      EVENTCORE_DATABASE_URL: cluster.url({ applicationName: 'eventcore_service' }),
      EVENTCORE_DATABASE_SCHEMA: schema,
      EVENTCORE_DATABASE_CONNECT_TIMEOUT_MS: '1000',
      // One caller sends hundreds of registrations here: the limiter is not under test.
      EVENTCORE_RATE_LIMIT_MAX: '1000000',
    })
    figures.setup = { clusterMs, serviceMs: Math.round(performance.now() - started) - clusterMs }
    token = await mintToken({
      secret: TEST_SECRET,
      sub: 'faults-e2e',
      roles: ['admin'],
      ttlSeconds: 600,
      now: new Date(),
    })
  })
  afterAll(async () => {
    const started = performance.now()
    figures.exitBeforeKill = await Promise.race([service?.exited, sleep(10).then(() => 'running')])
    await service?.kill()
    await cluster?.drop()
    figures.teardownMs = Math.round(performance.now() - started)
    const { stdout, stderr } = service?.output() ?? { stdout: '', stderr: '' }
    if (stderr) console.info(`service stderr (last 3000 characters):\n${stderr.slice(-3000)}`)
    if (stdout) console.info(`service stdout (last 3000 characters):\n${stdout.slice(-3000)}`)
    console.info(`service fault figures: ${JSON.stringify(figures)}`)
  })

  it('answers 201 or 503 problem+json, never a 500 or a hang, while backends are killed', async () => {
    let loading = true
    const load = registerUntil(service.url, token, { done: () => !loading })
    const stop = performance.now() + 2000
    faults.backendsKilled = 0
    for (let round = 0; round < 100 && performance.now() < stop; round++) {
      faults.backendsKilled += await cluster.terminateBackends({ applicationName: 'eventcore_service' })
      await sleep(100)
    }
    loading = false
    const sent = await load
    outcomes.push(...sent)
    figures.backendKills = tally(sent)
    expectOnlyCreatedOrUnavailable(sent)
    expect(faults.backendsKilled).toBeGreaterThan(0)
  })

  it('rides out a server restart under load and serves again without being restarted itself', async () => {
    let loading = true
    const load = registerUntil(service.url, token, { done: () => !loading })
    await sleep(300)
    await cluster.restart()
    faults.serverRestarts = 1
    const restarted = performance.now()
    const recoveredMs = await until(
      'a 201 after the restart',
      async () => (await register(service.url, token)).status === 201,
    )
    loading = false
    const sent = await load
    outcomes.push(...sent)
    figures.serverRestart = {
      ...tally(sent),
      recoveryMs: Math.round(performance.now() - restarted),
      firstCreatedMs: recoveredMs,
    }
    expectOnlyCreatedOrUnavailable(sent)
  })

  it('reports 503 on /ready and 503 problem+json on writes while the database is down, opens its circuit breaker, and serves after', async () => {
    await cluster.stop()
    faults.serverStops = 1
    try {
      await until('/ready to say 503', async () => (await ready()) === 503)
      const refused = await register(service.url, token)
      outcomes.push(refused)
      expect(refused.status).toBe(503)
      if ('body' in refused) expect(refused.contentType).toMatch(/^application\/problem\+json/)
      expect(refused.status === 503 && 'body' in refused && refused.retryAfter).toMatch(/^\d+$/)
      // Failures keep coming: the breaker opens and later requests are refused at once, not after
      // the executor's retries.
      const whileDown: Outcome[] = []
      for (let n = 0; n < 40 && !whileDown.some(circuitOpen); n++) whileDown.push(await register(service.url, token))
      outcomes.push(...whileDown)
      const open = whileDown.find(circuitOpen)
      expect(open, JSON.stringify(tally(whileDown))).toBeDefined()
      const started = performance.now()
      const fast = await register(service.url, token)
      figures.circuitOpen = {
        requestsUntilOpen: whileDown.length,
        refusedInMs: Math.round(performance.now() - started),
        retryAfter: open && 'body' in open ? open.retryAfter : undefined,
      }
      outcomes.push(fast)
      expect(circuitOpen(fast)).toBe(true)
      const metrics = await (await fetch(`${service.url}/metrics`)).text()
      expect(metrics).toMatch(/^eventcore_circuit_breaker_state\{store="events"\} 2$/m)
      const readiness = (await (await fetch(`${service.url}/ready`)).json()) as { checks: unknown[] }
      expect(readiness.checks).toContainEqual(expect.objectContaining({ name: 'event-store-circuit', ok: false }))
    } finally {
      await cluster.start()
    }
    const started = performance.now()
    await until('/ready to say 200', async () => (await ready()) === 200)
    const readyMs = Math.round(performance.now() - started)
    await until('a 201 after the outage', async () => (await register(service.url, token)).status === 201)
    figures.serverStop = { readyAfterStartMs: readyMs, createdAfterStartMs: Math.round(performance.now() - started) }
  })

  it('answers 503 problem+json while the database is read-only (a standby after failover), is unready once its breaker opens, and writes again after', async () => {
    // Set from another database: the service's sessions are on `postgres`.
    const readOnly = (on: boolean) =>
      cluster.sql(
        `ALTER DATABASE postgres SET default_transaction_read_only = ${on ? 'on' : 'off'}`,
        undefined,
        'template1',
      )
    await readOnly(true)
    faults.readOnly = 1
    await cluster.terminateBackends({ applicationName: 'eventcore_service' }) // new sessions take the setting
    const refused: Outcome[] = []
    try {
      for (let n = 0; n < 40 && !refused.some(circuitOpen); n++) refused.push(await register(service.url, token))
      outcomes.push(...refused)
      expectOnlyCreatedOrUnavailable(refused)
      expect(refused.filter((o) => o.status === 503).length).toBeGreaterThan(0)
      expect(refused.some(circuitOpen)).toBe(true)
      await until('/ready to say 503', async () => (await ready()) === 503)
    } finally {
      await readOnly(false)
      await cluster.terminateBackends({ applicationName: 'eventcore_service' })
    }
    const started = performance.now()
    await until('a 201 after writes are allowed again', async () => (await register(service.url, token)).status === 201)
    figures.readOnly = { ...tally(refused), createdAfterMs: Math.round(performance.now() - started) }
  })

  it('writes a registration retried with the same Idempotency-Key once, through killed connections', async () => {
    const key = randomUUID()
    const email = `idem.${randomUUID()}@example.com`
    const answers: Outcome[] = []
    for (let attempt = 0; attempt < 20; attempt++) {
      if (attempt % 2 === 0)
        faults.backendsKilled =
          (faults.backendsKilled ?? 0) + (await cluster.terminateBackends({ applicationName: 'eventcore_service' }))
      answers.push(await register(service.url, token, { email, idempotencyKey: key }))
      if (answers.filter((a) => a.status === 201).length >= 3) break
    }
    expectOnlyCreatedOrUnavailable(answers)
    const created = answers.filter((a): a is Extract<Outcome, { body: string }> => a.status === 201)
    expect(created.length).toBeGreaterThanOrEqual(2)
    expect(new Set(created.map((a) => JSON.parse(a.body).id)).size).toBe(1)
    const [row] = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM "${schema}".events WHERE type = 'UserRegistered' AND stream_id = $1`,
      [`user-${JSON.parse(created[0]?.body ?? '{}').id}`],
    )
    expect(row?.n).toBe(1)
    figures.idempotentRetry = tally(answers)
  })

  it('has stored every user it answered 2xx for, whole and once, and is still the same process', async () => {
    const created = outcomes.filter((o): o is Extract<Outcome, { body: string }> => o.status === 201)
    const ids = created.map((o) => JSON.parse(o.body).id as string)
    const rows = await sql<{ stream_id: string }>(
      `SELECT stream_id FROM "${schema}".events WHERE type = 'UserRegistered' AND stream_id = ANY($1)`,
      [ids.map((id) => `user-${id}`)],
    )
    const [halves] = await sql<{ users: number; claims: number }>(
      `SELECT count(*) FILTER (WHERE stream_id LIKE 'user-%')::int AS users,
              count(*) FILTER (WHERE stream_id LIKE 'email-%')::int AS claims
       FROM "${schema}".events`,
    )
    const [duplicates] = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT stream_id FROM "${schema}".events
       WHERE stream_id LIKE 'email-%' GROUP BY stream_id HAVING count(*) > 1) d`,
    )
    const lost = ids.length - new Set(rows.map((r) => r.stream_id)).size
    figures.totals = { sent: outcomes.length, ...tally(outcomes), acknowledgedLost: lost, duplicates: duplicates?.n }
    expect(lost).toBe(0)
    expect(halves?.users).toBe(halves?.claims) // every registration wrote its user and its claim, or neither
    expect(duplicates?.n).toBe(0)
    expect(service.signal('SIGCONT')).toBe(true) // still running: the same process served throughout
    expect(service.output().stderr).not.toMatch(/Unhandled 'error' event|uncaught/i)
  })
})

// 201, or 503 problem+json. A 409 user-exists means the executor decided again after a commit whose
// answer was lost (the user is stored; the client was told otherwise): counted apart, reported.
function expectOnlyCreatedOrUnavailable(outcomes: readonly Outcome[]): void {
  const unexpected = outcomes.filter(
    (o) =>
      o.status !== 201 &&
      !(o.status === 503 && 'body' in o && /^application\/problem\+json/.test(o.contentType)) &&
      !(o.status === 409 && 'body' in o && o.body.includes('user-exists')),
  )
  expect(unexpected).toEqual([])
}

/** A 503 refused by the open circuit breaker, with a Retry-After. */
function circuitOpen(outcome: Outcome): boolean {
  return (
    outcome.status === 503 &&
    'body' in outcome &&
    outcome.body.includes('ERR_EVENTCORE_CIRCUIT_OPEN') &&
    /^\d+$/.test(outcome.retryAfter ?? '')
  )
}
