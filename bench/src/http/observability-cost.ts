import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mintToken } from '@eventcore/service'
import { errorMessage } from '../error-message.js'
import { isMeasured, type Outcome } from '../measure/measurement.js'
import { takeTurns } from '../measure/rounds.js'
import { LATENCY_COLUMNS, latencyCells } from '../report/report.js'
import { type Column, formatRate, formatRatio, formatSection, formatTable } from '../report/table.js'
import { shareTarget } from '../report/targets.js'
import { namespaceOf } from '../stores/namespaces.js'
import type { HttpUsersContext } from './http-users.js'
import { type HttpMeasurement, runHttpLoad, seedUsers } from './load.js'
import { registerBodies, registerRequest } from './requests.js'
import type { HttpServerProcess } from './server-process.js'

/**
 * Whether the service ran with all observability off, observed (traces of every request, logs,
 * scraped metrics), or observed with 10 % of the traces kept, as a busy production service would.
 */
export type Observability = 'off' | 'on' | 'sampled'

/** A line of the observability table. */
export interface ObservabilityRow {
  readonly observability: Observability
  readonly outcome: Outcome
  /** Answers outside 200–299 over all rounds; undefined when nothing ran. */
  readonly non2xx: number | undefined
  /**
   * The server process's CPU time (user + system) per answer in the shown round's measured window,
   * in microseconds: what observability costs, less blurred than throughput by whatever else
   * runs on the machine.
   */
  readonly cpuMicrosPerRequest?: number | undefined
}

/** The observability table, ready to render. */
export interface ObservabilitySection {
  readonly title: string
  readonly rows: readonly ObservabilityRow[]
  readonly notes: readonly string[]
  readonly targets: readonly string[]
}

/** Observed throughput below this share of the unobserved one misses the target (cost ≤ 10 %). */
export const OBSERVED_SHARE_TARGET = 0.9
const CONNECTIONS = 8
/** Registrations before the rows: the fresh processes' warm-up (JIT, pools, the projection). */
const SEED_USERS = 300
/** Faster than any Prometheus would scrape one target, so its cost is not understated. */
const SCRAPE_EVERY_MS = 1000
const TOKEN_TTL_SECONDS = 3600
/** The share of traces the sampled row keeps. */
const SAMPLED_RATIO = 0.1
const ROWS: readonly Observability[] = ['off', 'on', 'sampled']
const LABEL: Record<Observability, string> = {
  off: 'all off',
  on: 'traces + metrics + logs',
  sampled: `the same, ${SAMPLED_RATIO * 100} % of traces kept`,
}

/** A row's CPU time per request over all off's, e.g. 1.08; undefined unless both were measured. */
export function cpuRatio(rows: readonly ObservabilityRow[], observed: Observability = 'on'): number | undefined {
  const [off, on] = (['off', observed] as const).map(
    (o) => rows.find((row) => row.observability === o)?.cpuMicrosPerRequest,
  )
  return off !== undefined && on !== undefined && off > 0 ? on / off : undefined
}

/** A row's throughput as a share of all off's; undefined unless both were measured. */
export function observedShare(rows: readonly ObservabilityRow[], observed: Observability = 'on'): number | undefined {
  const [off, on] = (['off', observed] as const).map((o) => rows.find((row) => row.observability === o)?.outcome)
  return off && on && isMeasured(off) && isMeasured(on) && off.rate > 0 ? on.rate / off.rate : undefined
}

/**
 * Renders the table: setting, requests/s, ratio to "all off", p50/p95/p99, non-2xx, note; then
 * the notes and the target line (cost ≤ 10 %, i.e. observed ≥ 90 % of unobserved).
 *
 * @example
 * renderObservabilitySection({ title: '9. …', rows, notes: [], targets: observabilityTargets(rows) })
 */
export function renderObservabilitySection(section: ObservabilitySection): string {
  const { title, rows, notes, targets } = section
  const columns: Column[] = [
    { header: 'observability' },
    { header: 'requests/s', align: 'right' },
    { header: 'vs all off', align: 'right' },
    ...LATENCY_COLUMNS,
    { header: 'CPU µs/request', align: 'right' },
    { header: 'vs all off', align: 'right' },
    { header: 'non-2xx', align: 'right' },
    { header: 'note' },
  ]
  const cells = rows.map((row): string[] => {
    const { outcome } = row
    const non2xx = row.non2xx === undefined ? '' : formatRate(row.non2xx)
    if (!isMeasured(outcome)) return [LABEL[row.observability], 'n/a', '', '', '', '', '', '', non2xx, outcome.missing]
    return [
      LABEL[row.observability],
      formatRate(outcome.rate),
      row.observability === 'off' ? '' : formatRatio(observedShare(rows, row.observability)),
      ...latencyCells(outcome.latency),
      row.cpuMicrosPerRequest === undefined ? '' : formatRate(row.cpuMicrosPerRequest),
      row.observability === 'off' ? '' : formatRatio(cpuRatio(rows, row.observability)),
      non2xx,
      outcome.note ?? '',
    ]
  })
  return formatSection({ title, table: formatTable(columns, cells), notes, targets })
}

/**
 * The target line: observed register throughput ≥ 90 % of the unobserved one.
 *
 * @example
 * observabilityTargets(rows)[0] // 'observability costs ≤ 10 % of register throughput (observed ≥ 90 % of all off): 96 % — met'
 */
export function observabilityTargets(rows: readonly ObservabilityRow[]): string[] {
  const cpu = cpuRatio(rows)
  return [
    shareTarget(
      `observability costs ≤ ${Math.round((1 - OBSERVED_SHARE_TARGET) * 100)} % of register throughput (observed ≥ ${OBSERVED_SHARE_TARGET * 100} % of all off)`,
      observedShare(rows),
      OBSERVED_SHARE_TARGET,
    ),
    // Throughput on a shared 2-core machine moves by tens of percent; CPU per request says the same more steadily.
    shareTarget(
      `the same by the server's CPU time per request (all off's over observed's ≥ ${OBSERVED_SHARE_TARGET * 100} %)`,
      cpu === undefined ? undefined : 1 / cpu,
      OBSERVED_SHARE_TARGET,
    ),
  ]
}

/** A stand-in OTLP collector on loopback: reads every export, answers 200, keeps only counts. */
async function startDiscardingCollector() {
  const received = { exports: 0, bytes: 0 }
  const server = createServer((request, response) => {
    request.on('data', (chunk: Buffer) => {
      received.bytes += chunk.length
    })
    request.on('end', () => {
      received.exports += 1
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** Runs `work` while scraping `url`'s /metrics every second, as Prometheus would; counts the scrapes that failed. */
async function whileScraped<T>(
  url: string,
  work: () => Promise<T>,
): Promise<{ result: T; scrapes: number; failed: number }> {
  let scrapes = 0
  let failed = 0
  const scrape = async () => {
    try {
      const response = await fetch(`${url}/metrics`)
      await response.text()
      if (response.ok) scrapes += 1
      else failed += 1
    } catch {
      failed += 1
    }
  }
  const timer = setInterval(() => void scrape(), SCRAPE_EVERY_MS)
  try {
    return { result: await work(), scrapes, failed }
  } finally {
    clearInterval(timer)
  }
}

/**
 * 9. What observability costs the users service on `POST /api/v1/users`: the same service under
 * the same load, once observed (traces exported over OTLP/HTTP to a loopback collector that
 * discards them, Prometheus metrics scraped every second, info-level JSON logs written) and once
 * with all of it off, taking turns in one run.
 */
export async function observabilityCost(context: HttpUsersContext): Promise<ObservabilitySection> {
  const { settings, unreachable, fleet, prefix, onTurn } = context
  const title = '9. Observability cost on POST /api/v1/users: traces + metrics + logs on versus off'
  const notes = [
    `The rows run the users service as operation 8 does (its own child process, PostgreSQL, pools of ${CONNECTIONS}, ${CONNECTIONS} autocannon connections, a new user per request), each in a fresh schema, after ${SEED_USERS} registrations of warm-up; they take turns, the median round shown.`,
    `traces + metrics + logs: startTracing as runService does with OTEL_EXPORTER_OTLP_ENDPOINT set (the OpenTelemetry SDK, a batch span processor exporting OTLP/HTTP protobuf to a collector on loopback in the bench process that reads and discards every export; every request traced: server span, command, attempt, append; the projection's batches); GET /metrics scraped every ${SCRAPE_EVERY_MS / 1000} s; EVENTCORE_LOG_LEVEL=info (pino JSON, two lines per request, written to the child's stdout, /dev/null).`,
    `${LABEL.sampled}: the same with OTEL_TRACES_SAMPLER=parentbased_traceidratio and OTEL_TRACES_SAMPLER_ARG=${SAMPLED_RATIO} (one request in ${1 / SAMPLED_RATIO} has its spans recorded and exported; the others cost a sampling decision).`,
    'all off: no OTEL_* variables (nothing installed: no spans are made), nobody scrapes, EVENTCORE_LOG_LEVEL=silent. The service records its Prometheus metrics either way: it has no switch for them.',
  ]
  if (unreachable !== undefined) {
    const missing = { missing: `PostgreSQL not reachable (${unreachable})` }
    const rows = ROWS.map((observability) => ({
      observability,
      outcome: missing,
      non2xx: undefined,
    }))
    return { title, rows, notes, targets: observabilityTargets(rows) }
  }
  const collector = await startDiscardingCollector()
  const secret = randomBytes(32).toString('base64url')
  const token = await mintToken({
    secret,
    sub: 'bench-admin',
    roles: ['admin'],
    ttlSeconds: TOKEN_TTL_SECONDS,
    now: new Date(),
  })
  const servers = new Map<Observability, HttpServerProcess>()
  const failures = new Map<Observability, string>()
  const scraped = { scrapes: 0, failed: 0 }
  const non2xx = new Map<Observability, number>()
  const cpuPerRequest = new WeakMap<object, number>()
  try {
    for (const observability of ROWS) {
      try {
        const server = await fleet.start({
          kind: 'eventcore',
          databaseUrl: settings.databaseUrl,
          schema: namespaceOf(prefix, 's9', observability),
          poolSize: CONNECTIONS,
          jwtSecret: secret,
          ...(observability === 'off' ? {} : { otlpUrl: collector.url }),
          ...(observability === 'sampled' ? { traceRatio: SAMPLED_RATIO } : {}),
        })
        servers.set(observability, server)
        const nextBody = registerBodies(`${prefix}-o9${observability}-seed`)
        await seedUsers({ url: server.url, token, count: SEED_USERS, concurrency: CONNECTIONS, nextBody })
        await server.settle()
      } catch (error) {
        failures.set(observability, errorMessage(error))
      }
    }
    const turns = [...servers].flatMap(([observability, server]) => {
      if (failures.has(observability)) return []
      const nextBody = registerBodies(`${prefix}-o9${observability}`)
      const load = async () => {
        let before = 0
        const measured = await runHttpLoad({
          url: server.url,
          connections: CONNECTIONS,
          warmupMs: settings.httpWarmupMs,
          durationMs: settings.httpDurationMs,
          request: () => registerRequest(token, nextBody),
          beforeMeasuring: async () => {
            before = await server.cpuMicros()
          },
        })
        const used = (await server.cpuMicros()) - before
        const answers = measured.count + measured.non2xx
        if (answers > 0) cpuPerRequest.set(measured, used / answers)
        return measured
      }
      return [
        {
          key: observability,
          async run(): Promise<HttpMeasurement> {
            let measured: HttpMeasurement
            if (observability !== 'off') {
              const { result, scrapes, failed } = await whileScraped(server.url, load)
              scraped.scrapes += scrapes
              scraped.failed += failed
              measured = result
            } else measured = await load()
            non2xx.set(observability, (non2xx.get(observability) ?? 0) + measured.non2xx)
            // The projection's work must not spill into the other row's turn.
            const { problem } = await server.settle()
            if (!problem) return measured
            const noted = { ...measured, note: problem }
            const cpu = cpuPerRequest.get(measured)
            if (cpu !== undefined) cpuPerRequest.set(noted, cpu)
            return noted
          },
        },
      ]
    })
    const outcomes = await takeTurns(turns, { rounds: settings.rounds, onTurn })
    const rows = ROWS.map((observability): ObservabilityRow => {
      const outcome = outcomes.get(observability) ?? { missing: failures.get(observability) ?? 'not run' }
      return {
        observability,
        outcome,
        non2xx: non2xx.get(observability),
        cpuMicrosPerRequest: cpuPerRequest.get(outcome),
      }
    })
    const exported = `${collector.received.exports.toLocaleString('en-US')} OTLP exports (${(collector.received.bytes / 1e6).toFixed(1)} MB) reached the collector; /metrics answered ${scraped.scrapes} scrapes${scraped.failed ? `, ${scraped.failed} failed` : ''}.`
    return { title, rows, notes: [...notes, `Observed: ${exported}`], targets: observabilityTargets(rows) }
  } finally {
    await Promise.all([...servers.values()].map((server) => server.stop()))
    await collector.close()
  }
}
