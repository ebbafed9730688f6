/**
 * `pgbench` beside the single-event appends: PostgreSQL's own load generator (C, libpq, no pool,
 * no JavaScript) inserting one row per transaction into the raw baseline's table. It is the limit
 * of one commit per append on this server: a store that commits once per append cannot beat it,
 * only one that puts several appends into one commit can.
 *
 * @module
 */
import { spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { errorMessage } from '../error-message.js'
import { type Measurement, measurementOf } from '../measure/measurement.js'
import { schemaIdentifier } from './namespaces.js'
import { rawSchemaSql } from './raw-sql.js'

/** The program, found on `PATH`. */
export const PGBENCH = 'pgbench'

/** The name of pgbench's rows. */
export const PGBENCH_ROW = 'pgbench, one-row INSERT (C, libpq)'

/** Per-transaction log files, in the run's temporary directory. */
const LOG_PREFIX = 'pgbench_log'

/** The payload every row gets: the size and shape of the other contenders' `OrderPlaced` (about 80 bytes). */
const ORDER_PLACED = '{"orderId": "order-pgbench", "customer": "customer-42", "currency": "EUR", "total": 12950}'

/**
 * The script pgbench runs per transaction: one INSERT into the raw baseline's table (same columns,
 * same indexes), a fresh event id and a fresh stream id from `gen_random_uuid()`, at version 1.
 * One statement, so `-M prepared` prepares it once per connection, and no BEGIN: each INSERT is
 * its own transaction and commit, as a single-event append is.
 *
 * @example
 * pgbenchScript('bench_x_s1_pgb')
 * // "INSERT INTO bench_x_s1_pgb.events (event_id, stream_id, version, type, data, metadata) VALUES (gen_random_uuid(), …);\n"
 */
export function pgbenchScript(schema: string): string {
  const s = schemaIdentifier(schema)
  return (
    `INSERT INTO ${s}.events (event_id, stream_id, version, type, data, metadata) ` +
    `VALUES (gen_random_uuid(), 'order-' || gen_random_uuid(), 1, 'OrderPlaced', '${ORDER_PLACED}', '{}');\n`
  )
}

/** What one pgbench run is given. */
export interface PgbenchRun {
  /** Connections, each running the script back to back (`-c`). */
  readonly clients: number
  /** Measured seconds (`-T`, whole seconds). */
  readonly seconds: number
  /** Threads driving the clients (`-j`). */
  readonly threads: number
  readonly scriptFile: string
  /** Per-transaction log (`-l --log-prefix`), for the latency percentiles; none for a warm-up. */
  readonly logPrefix?: string
  /** Transactions per client instead of a duration (`-t`): the warm-up. */
  readonly transactionsPerClient?: number
  /** A libpq connection string or URI, passed as the database name. */
  readonly connectionString: string
}

/**
 * The threads for `clients` on a machine with `cpus` cores: one per core, never more than the
 * clients. More threads than cores only compete with the server they are measuring.
 *
 * @example
 * pgbenchThreads(32, 2) // 2
 * pgbenchThreads(1, 2) // 1
 */
export function pgbenchThreads(clients: number, cpus: number): number {
  return Math.max(1, Math.min(clients, cpus))
}

/**
 * pgbench's command line: no vacuum (`-n`, the table is not pgbench's own), prepared statements
 * (`-M prepared`, as the other contenders' named statements), the script only (`-f`).
 *
 * @example
 * pgbenchArgs({ clients: 8, seconds: 1, threads: 2, scriptFile: '/tmp/x/append.sql', connectionString: 'postgres://h/db' })
 * // ['-n', '-M', 'prepared', '-c', '8', '-j', '2', '-f', '/tmp/x/append.sql', '-T', '1', 'postgres://h/db']
 */
export function pgbenchArgs(run: PgbenchRun): string[] {
  const { clients, threads, scriptFile, seconds, logPrefix, transactionsPerClient, connectionString } = run
  return [
    '-n',
    '-M',
    'prepared',
    '-c',
    String(clients),
    '-j',
    String(threads),
    '-f',
    scriptFile,
    ...(transactionsPerClient === undefined ? ['-T', String(seconds)] : ['-t', String(transactionsPerClient)]),
    ...(logPrefix === undefined ? [] : ['-l', `--log-prefix=${logPrefix}`]),
    connectionString,
  ]
}

/** What pgbench prints at the end of a run. */
export interface PgbenchSummary {
  /** Transactions per second, "without initial connection time". */
  readonly tps: number
  /** "number of transactions actually processed". */
  readonly processed: number
  /** "number of failed transactions" (0 when the line is absent, before PostgreSQL 15). */
  readonly failed: number
  /** "latency average", milliseconds. */
  readonly latencyAverageMs: number
}

/**
 * Reads pgbench's summary from its standard output, or says which line is missing.
 *
 * @example
 * parsePgbenchSummary('number of transactions actually processed: 5000\nlatency average = 1.6 ms\ntps = 5000.1 (without initial connection time)\n')
 * // { tps: 5000.1, processed: 5000, failed: 0, latencyAverageMs: 1.6 }
 */
export function parsePgbenchSummary(stdout: string): PgbenchSummary | { readonly unreadable: string } {
  const number = (pattern: RegExp) => {
    const found = pattern.exec(stdout)?.[1]
    return found === undefined ? undefined : Number(found)
  }
  const tps = number(/^tps = ([\d.]+) \(without initial connection time\)$/m)
  const processed = number(/^number of transactions actually processed: (\d+)/m)
  const failed = number(/^number of failed transactions: (\d+)/m) ?? 0
  const latencyAverageMs = number(/^latency average = ([\d.]+) ms$/m)
  if (tps === undefined) return { unreadable: 'no "tps = … (without initial connection time)" line' }
  if (processed === undefined) return { unreadable: 'no "number of transactions actually processed" line' }
  if (latencyAverageMs === undefined) return { unreadable: 'no "latency average = … ms" line' }
  return { tps, processed, failed, latencyAverageMs }
}

/**
 * The latencies of a per-transaction log (`-l`), in milliseconds: each line is `client_id
 * transaction_no time script_no time_epoch time_us …` with `time` in microseconds; a failed
 * transaction has a word there instead and is left out.
 *
 * @example
 * pgbenchLatencies('0 0 1543 0 1733184000 123456\n0 1 failed 0 1733184000 125000\n') // [1.543]
 */
export function pgbenchLatencies(log: string): number[] {
  const latencies: number[] = []
  for (const line of log.split('\n')) {
    const micros = line.split(' ')[2]
    if (micros !== undefined && /^\d+$/.test(micros)) latencies.push(Number(micros) / 1000)
  }
  return latencies
}

/** A finished pgbench process. */
interface Exited {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

function runPgbench(args: readonly string[], cwd: string, program = PGBENCH): Promise<Exited> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text
    })
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr = (stderr + text).slice(-4000)
    })
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** The last line of pgbench's complaints that says what went wrong. */
function failureOf(exited: Exited): string {
  const lines = exited.stderr
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
  const error = lines.find((line) => /error|fatal|aborted/i.test(line)) ?? lines.at(-1)
  return `pgbench exited with ${exited.code}${error ? `: ${error}` : ''}`
}

/**
 * Why pgbench (or `program`) cannot run here (not installed, or it does not start), or undefined
 * when it can.
 *
 * @example
 * await pgbenchMissing() // undefined, or 'pgbench not found on PATH'
 */
export async function pgbenchMissing(program = PGBENCH): Promise<string | undefined> {
  try {
    const exited = await runPgbench(['--version'], os.tmpdir(), program)
    return exited.code === 0 ? undefined : failureOf(exited)
  } catch (error) {
    const code = (error as { code?: unknown }).code
    return code === 'ENOENT' ? `${program} not found on PATH` : `${program} does not start: ${errorMessage(error)}`
  }
}

/** pgbench, ready to measure single-row INSERTs into a table of its own. */
export interface PgbenchReference {
  /** Warms up, then measures `clients` connections for `seconds`. */
  measure(clients: number, seconds: number): Promise<Measurement>
  /** Removes the temporary directory (the schema is dropped with the run's others). */
  close(): Promise<void>
}

/**
 * Creates the raw baseline's table in `schema` and writes the script into a temporary directory;
 * each measurement runs a short warm-up (50 transactions per client, also preparing the statement
 * on every connection), then the timed run with a per-transaction log for p50/p95/p99.
 */
export async function openPgbench(connectionString: string, schema: string): Promise<PgbenchReference> {
  const client = new pg.Client({ connectionString, application_name: 'eventcore-bench-pgbench' })
  client.on('error', () => {})
  await client.connect()
  try {
    await client.query(rawSchemaSql(schemaIdentifier(schema)))
  } finally {
    await client.end()
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'eventcore-pgbench-'))
  const scriptFile = path.join(dir, 'append-one.sql')
  await writeFile(scriptFile, pgbenchScript(schema))
  const cpus = os.cpus().length
  let runs = 0
  return {
    async measure(clients, seconds) {
      const threads = pgbenchThreads(clients, cpus)
      const common = { clients, threads, scriptFile, connectionString, seconds }
      const warm = await runPgbench(pgbenchArgs({ ...common, transactionsPerClient: 50 }), dir)
      if (warm.code !== 0) throw new Error(failureOf(warm))
      runs += 1
      const logPrefix = path.join(dir, `${LOG_PREFIX}_${runs}`)
      const exited = await runPgbench(pgbenchArgs({ ...common, logPrefix }), dir)
      if (exited.code !== 0) throw new Error(failureOf(exited))
      const summary = parsePgbenchSummary(exited.stdout)
      if ('unreadable' in summary) throw new Error(`pgbench's output is unreadable: ${summary.unreadable}`)
      const base = path.basename(logPrefix)
      const logs = (await readdir(dir)).filter((name) => name.startsWith(`${base}.`))
      const latencies = (
        await Promise.all(logs.map(async (name) => pgbenchLatencies(await readFile(path.join(dir, name), 'utf8'))))
      ).flat()
      await Promise.all(logs.map((name) => rm(path.join(dir, name), { force: true })))
      const failed = summary.failed > 0 ? `${summary.failed} failed transactions; ` : ''
      return measurementOf(summary.processed, (summary.processed / summary.tps) * 1000, latencies, {
        note: `${failed}-c ${clients} -j ${threads} -T ${seconds}; average ${summary.latencyAverageMs} ms`,
      })
    },
    close: () => rm(dir, { recursive: true, force: true }),
  }
}
