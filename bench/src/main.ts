/**
 * `npm run bench`: EventCore against a hand-written raw-SQL baseline and Emmett's PostgreSQL
 * store on the same server, plus the PGlite and memory stores, one table per operation; then the
 * users service over HTTP against a bare Fastify + pg app (operation 8), and what observability
 * costs it (operation 9).
 *
 * Settings: `EVENTCORE_BENCH_SECONDS`, `EVENTCORE_BENCH_ROUNDS`, `EVENTCORE_BENCH_ONLY`,
 * `EVENTCORE_BENCH_DATABASE_URL` (see `settings.ts` and `bench/README.md`).
 *
 * @module
 */
import os from 'node:os'
import { errorMessage } from './error-message.js'
import { type HttpUsersContext, httpUsers } from './http/http-users.js'
import { observabilityCost, renderObservabilitySection } from './http/observability-cost.js'
import { renderHttpSection } from './http/report.js'
import { createHttpServerFleet } from './http/server-process.js'
import { batchAppend } from './operations/batch-append.js'
import { readAll } from './operations/read-all.js'
import { readStream } from './operations/read-stream.js'
import type { PgbenchAccess, Scenario } from './operations/scenario.js'
import { singleAppend } from './operations/single-append.js'
import { transferCommand } from './operations/transfer.js'
import { projectionCatchUp } from './projection/catch-up.js'
import { projectionLatency } from './projection/live-latency.js'
import { renderSection } from './report/report.js'
import { readSettings, redactUrl, type Settings } from './settings.js'
import { type Contender, unavailableContender } from './stores/contender.js'
import { EMMETT, emmettContender } from './stores/emmett.js'
import { loadEmmett } from './stores/emmett-api.js'
import {
  EVENTCORE_POSTGRES,
  EVENTCORE_POSTGRES_UNBATCHED,
  eventcoreMemory,
  eventcorePglite,
  eventcorePostgres,
} from './stores/eventcore.js'
import { runPrefix } from './stores/namespaces.js'
import { createOpenGate } from './stores/open-gate.js'
import { ensurePeersInstalled } from './stores/peers.js'
import { openPgbench, pgbenchMissing } from './stores/pgbench.js'
import { connectAdmin, type PostgresAdmin } from './stores/postgres-admin.js'
import { RAW_BASELINE, rawBaseline } from './stores/raw-baseline.js'

const SCENARIOS: readonly Scenario[] = [
  singleAppend,
  batchAppend,
  transferCommand,
  readStream,
  readAll,
  projectionCatchUp,
  projectionLatency,
]

/** An operation of the run, by its number (its index + 1): runs and renders its table. */
type Operation = (context: HttpUsersContext) => Promise<string>

const OPERATIONS: readonly Operation[] = [
  ...SCENARIOS.map(
    (scenario): Operation =>
      async (context) =>
        renderSection(await scenario(context)),
  ),
  async (context) => renderHttpSection(await httpUsers(context)),
  async (context) => renderObservabilitySection(await observabilityCost(context)),
]

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(2))} s`
let stdoutOpen = true
const print = (line = '') => {
  if (stdoutOpen) process.stdout.write(`${line}\n`)
}
const progress = (text: string) => process.stderr.write(text)

/** The PostgreSQL contenders, or stand-ins saying why they cannot run. */
function postgresContenders(settings: Settings, admin: PostgresAdmin | undefined, reason: string): Contender[] {
  const url = settings.databaseUrl
  if (!admin) {
    return [
      unavailableContender(EVENTCORE_POSTGRES, reason),
      unavailableContender(EVENTCORE_POSTGRES_UNBATCHED, reason),
      unavailableContender(RAW_BASELINE, reason),
      unavailableContender(EMMETT, reason),
    ]
  }
  return [
    eventcorePostgres(url),
    eventcorePostgres(url, { groupCommit: false }),
    rawBaseline(url),
    peerContender(admin),
  ]
}

/** pgbench on the benchmark's server, or why it cannot run (no server, or no pgbench). */
async function pgbenchAccess(settings: Settings, serverMissing: string | undefined): Promise<PgbenchAccess> {
  if (serverMissing !== undefined) return { unavailable: serverMissing }
  const missing = await pgbenchMissing()
  if (missing !== undefined) return { unavailable: missing }
  return { open: (schema) => openPgbench(settings.databaseUrl, schema) }
}

function peerContender(admin: PostgresAdmin): Contender {
  const notInstalled = ensurePeersInstalled(print)
  if (notInstalled) return unavailableContender(EMMETT, notInstalled)
  try {
    return emmettContender(loadEmmett(), (name) => admin.createDatabase(name))
  } catch (error) {
    return unavailableContender(EMMETT, errorMessage(error))
  }
}

async function main(): Promise<void> {
  const started = performance.now()
  const settings = readSettings(process.env, OPERATIONS.length)
  const prefix = runPrefix(new Date())
  const connected = await connectAdmin(settings.databaseUrl)
  const admin = 'unreachable' in connected ? undefined : connected
  const where = redactUrl(settings.databaseUrl)
  const unreachable = 'unreachable' in connected ? connected.unreachable : ''

  print(`EventCore benchmark · Node ${process.version} · ${os.cpus().length} CPUs · ${os.platform()} ${os.arch()}`)
  if (admin) print(`${admin.serverVersion} at ${where}; this run's schemas and databases: ${prefix}_*`)
  else print(`PostgreSQL is not reachable at ${where} (${unreachable}): running the PGlite and memory rows only.`)
  print(
    `${seconds(settings.durationMs)} measured per row after ${seconds(settings.warmupMs)} warm-up; ` +
      `${settings.rounds} round${settings.rounds === 1 ? '' : 's'} taking turns, the median round shown.`,
  )
  const { only } = settings
  if (only) print(`EVENTCORE_BENCH_ONLY: operation${only.length === 1 ? '' : 's'} ${only.join(', ')} only.`)

  const gate = createOpenGate()
  const fleet = createHttpServerFleet()
  const contenders: Contender[] = [
    ...postgresContenders(settings, admin, `PostgreSQL not reachable (${unreachable})`),
    eventcorePglite(() => progress('(starting PGlite in memory: a few seconds) ')),
    eventcoreMemory(),
  ].map(gate.guard)
  let cleaning: Promise<void> | undefined
  const cleanup = () => {
    cleaning ??= (async () => {
      await Promise.all([gate.close(), fleet.stopAll()])
      await Promise.all(contenders.map((c) => c.dispose?.()))
      if (!admin) return
      const schemas = await admin.dropSchemas(`${prefix}_`)
      const databases = await admin.dropDatabases(`${prefix}_`)
      await admin.close()
      print(`Dropped this run's ${schemas.length} schemas and ${databases.length} databases.`)
    })()
    return cleaning
  }
  // Interrupted, or the reader of stdout went away (e.g. `| head`): drop what the run made, then stop.
  let stopping = false
  const stop = (code: number, why: string) => {
    stopping = true
    progress(why)
    cleanup()
      .catch((error: unknown) => progress(`cleanup failed: ${String(error)}\n`))
      .finally(() => process.exit(code))
  }
  process.once('SIGINT', () => stop(130, "\ninterrupted: dropping this run's schemas and databases…\n"))
  process.once('SIGTERM', () => stop(143, "\nterminated: dropping this run's schemas and databases…\n"))
  process.stdout.on('error', () => {
    stdoutOpen = false
    stop(0, '')
  })

  try {
    const context: HttpUsersContext = {
      contenders,
      settings,
      prefix,
      onTurn: () => progress('.'),
      unreachable: admin ? undefined : unreachable,
      fleet,
      pgbench: await pgbenchAccess(settings, admin ? undefined : `PostgreSQL not reachable (${unreachable})`),
    }
    for (const [index, operation] of OPERATIONS.entries()) {
      if (only && !only.includes(index + 1)) continue
      print()
      const began = performance.now()
      const table = await operation(context)
      if (stopping) break
      progress(` ${seconds(performance.now() - began)}\n`)
      print(table)
    }
  } finally {
    print()
    await cleanup()
  }
  if (!stopping) print(`Done in ${seconds(performance.now() - started)}.`)
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exitCode = 1
})
