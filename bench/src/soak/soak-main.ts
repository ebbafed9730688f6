/**
 * `npm run soak`: the users service (as `npm start` runs it, on PostgreSQL, in a child process)
 * under a mixed workload at a fixed rate for a few minutes, on loopback only. Prints throughput,
 * latency percentiles and errors per operation, the service's memory over time (and whether it
 * levelled off), and checks afterwards that every acknowledged registration is stored, once.
 *
 * Settings: `EVENTCORE_SOAK_SECONDS`, `EVENTCORE_SOAK_RATE`, `EVENTCORE_SOAK_SAMPLE_SECONDS`,
 * `EVENTCORE_SOAK_OUT`, and the benchmark's database variables (see `soak-settings.ts`).
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { mintToken } from '@eventcore/example-users-service/dist/token.js'
import pg from 'pg'
import { seedUsers } from '../http/load.js'
import { registerBodies } from '../http/requests.js'
import { createHttpServerFleet } from '../http/server-process.js'
import { redactUrl } from '../settings.js'
import { namespaceOf, runPrefix } from '../stores/namespaces.js'
import { connectAdmin } from '../stores/postgres-admin.js'
import { runAtFixedRate } from './fixed-rate.js'
import { type MemoryReading, memoryFromMetrics, memoryTrend } from './memory-trend.js'
import { renderSoakReport } from './soak-report.js'
import { readSoakSettings } from './soak-settings.js'
import { createWorkload } from './soak-workload.js'

const SEED_USERS = 200
const POOL_SIZE = 8
const MAX_IN_FLIGHT = 256
const progress = (text: string) => process.stderr.write(text)

/** GETs every id; resolves to how many did not answer 200. */
async function unreadable(url: string, token: string, ids: readonly string[]): Promise<number> {
  let missing = 0
  let next = 0
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]
      const response = await fetch(`${url}/api/v1/users/${id}`, { headers: { authorization: `Bearer ${token}` } })
      await response.text()
      if (response.status !== 200) missing += 1
    }
  }
  await Promise.all(Array.from({ length: 16 }, worker))
  return missing
}

/** Addresses of this run with more than one UserRegistered event in the store. */
async function duplicatedAddresses(databaseUrl: string, schema: string, tag: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'eventcore-soak' })
  client.on('error', () => {})
  await client.connect()
  try {
    const { rows } = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM (
         SELECT lower(data->>'email') FROM ${pg.escapeIdentifier(schema)}.events
         WHERE type = 'UserRegistered' AND data->>'email' LIKE $1
         GROUP BY 1 HAVING count(*) > 1) d`,
      [`%.${tag}@soak.example.com`],
    )
    return Number(rows[0]?.n ?? 0)
  } finally {
    await client.end()
  }
}

async function main(): Promise<void> {
  const settings = readSoakSettings(process.env)
  const connected = await connectAdmin(settings.databaseUrl)
  if ('unreachable' in connected)
    throw new Error(`PostgreSQL is not reachable at ${redactUrl(settings.databaseUrl)}: ${connected.unreachable}`)
  const admin = connected
  const prefix = runPrefix(new Date())
  const schema = namespaceOf(prefix, 'soak', 'ec')
  const tag = prefix.replaceAll('_', '-')
  const fleet = createHttpServerFleet()
  const cleanup = async () => {
    await fleet.stopAll()
    await admin.dropSchemas(`${prefix}_`)
    await admin.close()
  }
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)))
  try {
    progress(`${admin.serverVersion} at ${redactUrl(settings.databaseUrl)}; schema ${schema}\n`)
    const jwtSecret = randomBytes(32).toString('base64url')
    const token = await mintToken({
      secret: jwtSecret,
      sub: 'soak-admin',
      roles: ['admin'],
      ttlSeconds: 86_400,
      now: new Date(),
    })
    const server = await fleet.start({
      kind: 'eventcore',
      databaseUrl: settings.databaseUrl,
      schema,
      poolSize: POOL_SIZE,
      jwtSecret,
    })
    const seeded = await seedUsers({
      url: server.url,
      token,
      count: SEED_USERS,
      concurrency: 8,
      nextBody: registerBodies(`${tag}-seed`),
    })
    await server.settle()
    const workload = createWorkload({ url: server.url, token, seeded, tag })
    const readings: MemoryReading[] = []
    const started = performance.now()
    const sampler = setInterval(() => {
      const at = (performance.now() - started) / 1000
      fetch(`${server.url}/metrics`)
        .then((response) => response.text())
        .then((text) => {
          const reading = memoryFromMetrics(text, at)
          if (reading) readings.push(reading)
        })
        .catch(() => progress('x'))
    }, settings.sampleMs)
    progress(`${settings.rate} requests/s for ${settings.durationMs / 1000} s `)
    let done = 0
    const samples = await runAtFixedRate({
      rate: settings.rate,
      durationMs: settings.durationMs,
      maxInFlight: MAX_IN_FLIGHT,
      plan: workload.plan,
      onSample: () => {
        done += 1
        if (done % (settings.rate * 10) === 0) progress('.')
      },
    })
    clearInterval(sampler)
    progress(' settling')
    await server.settle()
    const acknowledged = workload.acknowledged()
    const lost = await unreadable(server.url, token, acknowledged)
    const duplicated = await duplicatedAddresses(settings.databaseUrl, schema, tag)
    progress('\n')
    readings.sort((a, b) => a.atSeconds - b.atSeconds)
    const report = renderSoakReport({
      rate: settings.rate,
      durationMs: settings.durationMs,
      samples,
      readings,
      trend: memoryTrend(readings),
      acknowledged: acknowledged.length,
      lost,
      duplicated,
    })
    process.stdout.write(report)
    if (settings.out) writeFileSync(settings.out, report)
    if (lost > 0 || duplicated > 0) process.exitCode = 1
  } finally {
    await cleanup()
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exitCode = 1
})
