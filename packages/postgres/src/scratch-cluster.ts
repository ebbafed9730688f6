// Test support for fault tests (exported only through `@eventcore/postgres/testing`): a PostgreSQL
// cluster of a test's own, on a port of its own, that it may restart, stop or make read-only without
// disturbing anyone else; dropped at the end even when the test fails or the process dies.
import { execFile, execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { promisify } from 'node:util'
import pg from 'pg'
import { isProcessAlive } from './process-alive.js'

const run = promisify(execFile)
const PREFIX = 'eventcore_scratch_'
const PORTS = { first: 5441, last: 5499 }

/** A running scratch cluster; `url()` reaches it as the superuser over TCP. */
export interface ScratchCluster {
  readonly name: string
  readonly version: string
  readonly port: number
  /** Where its `postgresql.conf` and `pg_hba.conf` are (Debian keeps them apart from the data); removed by `drop()`. */
  readonly configDir: string
  /** A `postgres://` URL for `database` (default `postgres`), with `application_name` when given. */
  url(options?: { database?: string; applicationName?: string }): string
  /** Runs one statement as the superuser on a connection of its own, over the Unix socket (pg_hba `local`). */
  sql<Row = Record<string, unknown>>(text: string, values?: unknown[], database?: string): Promise<Row[]>
  /** Ends every backend connected to `database` except the caller's; returns how many. */
  terminateBackends(options?: { database?: string; applicationName?: string }): Promise<number>
  stop(): Promise<void>
  start(): Promise<void>
  restart(): Promise<void>
  /** Rereads the configuration files (`pg_hba.conf`, `ALTER SYSTEM` settings such as `ssl`) without a restart. */
  reload(): Promise<void>
  /** Stops and removes the cluster and its data. Safe to call twice. */
  drop(): Promise<void>
}

/** True where a scratch cluster can be made: the PostgreSQL cluster tools are installed. */
export function canCreateScratchCluster(): boolean {
  try {
    return installedVersion() !== undefined
  } catch {
    return false
  }
}

/**
 * Creates and starts a cluster named `eventcore_scratch_<pid>_<random>` on a free port in
 * 5441-5499, with trust authentication. Leftovers of earlier runs whose process is gone are dropped
 * first.
 *
 * @example
 * const cluster = await createScratchCluster()
 * try {
 *   await cluster.restart()
 * } finally {
 *   await cluster.drop()
 * }
 */
export async function createScratchCluster(): Promise<ScratchCluster> {
  const version = installedVersion()
  if (!version) throw new Error('no PostgreSQL cluster tools here (nothing in /etc/postgresql)')
  await dropOrphans(version)
  const name = `${PREFIX}${process.pid}_${randomBytes(4).toString('hex')}`
  let port = 0
  for (let attempt = 1; ; attempt++) {
    port = await freePort()
    try {
      // fsync off: the tests kill connections and restart the server cleanly; they never crash the OS.
      await run('pg_createcluster', [
        version,
        name,
        '-p',
        String(port),
        '-o',
        'fsync=off',
        '--',
        '--auth=trust',
        '--no-sync',
      ])
      break
    } catch (error) {
      await run('pg_dropcluster', [version, name]).catch(() => {})
      if (attempt === 3) throw error
    }
  }
  // A process that ends without running the test's clean-up still removes its cluster.
  const dropSync = () => {
    try {
      execFileSync('pg_dropcluster', ['--stop', version, name], { stdio: 'ignore' })
    } catch {}
    rmSync(configDir, { recursive: true, force: true })
  }
  process.once('exit', dropSync)
  // pg_ctl itself rather than pg_ctlcluster, whose start polls in half-second steps and then waits
  // for the server to "stabilise": about 3 s per start against 1 s, in tests that restart on purpose.
  const pgCtl = `/usr/lib/postgresql/${version}/bin/pg_ctl`
  const asOwner = (args: string[]): [string, string[]] =>
    process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', pgCtl, ...args]] : [pgCtl, args]
  const configDir = `/etc/postgresql/${version}/${name}`
  const ctl = async (action: 'start' | 'stop' | 'restart' | 'reload', mode: 'fast' | 'immediate' = 'fast') => {
    const log = `/var/log/postgresql/postgresql-${version}-${name}.log`
    const [command, args] = asOwner([
      '-D',
      configDir,
      '-s',
      ...(action === 'reload' ? [] : ['-w']),
      ...(action === 'stop' || action === 'restart' ? ['-m', mode] : []),
      ...(action === 'start' || action === 'restart' ? ['-l', log] : []),
      action,
    ])
    await run(command, args)
  }
  const url: ScratchCluster['url'] = ({ database = 'postgres', applicationName } = {}) =>
    `postgres://postgres@127.0.0.1:${port}/${database}${applicationName ? `?application_name=${encodeURIComponent(applicationName)}` : ''}`
  // Over the Unix socket, which every pg_hba.conf a test writes keeps on trust: a test may make TCP
  // take TLS only, or refuse it, and still reach the server as the superuser.
  const socketDir = unixSocketDir(configDir)
  const sql: ScratchCluster['sql'] = async (text, values, database = 'postgres') => {
    const client = new pg.Client({
      host: socketDir,
      port,
      user: 'postgres',
      database,
      application_name: 'eventcore_scratch_admin',
    })
    client.on('error', () => {})
    await client.connect()
    try {
      return (await client.query(text, values)).rows
    } finally {
      await client.end().catch(() => {})
    }
  }
  let dropped = false
  const cluster: ScratchCluster = {
    name,
    version,
    port,
    configDir,
    url,
    sql,
    terminateBackends: async ({ database, applicationName } = {}) => {
      const rows = await sql<{ n: number }>(
        `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
         WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'
           AND ($1::text IS NULL OR datname = $1) AND ($2::text IS NULL OR application_name = $2)`,
        [database ?? null, applicationName ?? null],
      )
      return rows[0]?.n ?? 0
    },
    stop: () => ctl('stop'),
    start: () => ctl('start'),
    restart: () => ctl('restart'),
    reload: () => ctl('reload'),
    drop: async () => {
      if (dropped) return
      dropped = true
      process.off('exit', dropSync)
      // Its data is thrown away: no shutdown checkpoint, and no archiving of the last WAL, which
      // with an archive_command (the pgBackRest test) can wait out the archiver's timeout.
      await ctl('stop', 'immediate').catch(() => {})
      await run('pg_dropcluster', ['--stop', version, name]).catch(() => {})
      // pg_dropcluster leaves files it did not write (a test's certificates) and so the folder.
      rmSync(configDir, { recursive: true, force: true })
    },
  }
  try {
    await ctl('start')
  } catch (error) {
    await cluster.drop()
    throw error
  }
  return cluster
}

// Where pg_createcluster put the server's socket (Debian: /var/run/postgresql).
function unixSocketDir(configDir: string): string {
  const conf = readFileSync(`${configDir}/postgresql.conf`, 'utf8')
  const dir = /^\s*unix_socket_directories\s*=\s*'([^',]+)/m.exec(conf)?.[1]?.trim()
  if (!dir) throw new Error(`no unix_socket_directories in ${configDir}/postgresql.conf`)
  return dir
}

function installedVersion(): string | undefined {
  const versions = readdirSync('/etc/postgresql').filter((v) => /^\d+$/.test(v))
  return versions.sort((a, b) => Number(b) - Number(a))[0]
}

async function clusters(): Promise<Array<{ version: string; name: string; port: number }>> {
  const { stdout } = await run('pg_lsclusters', ['--no-header'])
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols.length >= 3)
    .map(([version = '', name = '', port = '']) => ({ version, name, port: Number(port) }))
}

// Clusters of runs whose process no longer exists (killed before its clean-up ran).
async function dropOrphans(version: string): Promise<void> {
  for (const cluster of await clusters()) {
    const pid = Number(/^eventcore_scratch_(\d+)_/.exec(cluster.name)?.[1])
    if (cluster.version !== version || !pid || isProcessAlive(pid)) continue
    await run('pg_dropcluster', ['--stop', version, cluster.name]).catch(() => {})
  }
  // What pg_dropcluster left of them (files it did not write keep their folder).
  for (const name of readdirSync(`/etc/postgresql/${version}`)) {
    const pid = Number(/^eventcore_scratch_(\d+)_/.exec(name)?.[1])
    if (pid && !isProcessAlive(pid)) rmSync(`/etc/postgresql/${version}/${name}`, { recursive: true, force: true })
  }
}

// A port no cluster is configured on and nothing listens on, starting at a random place so that
// test files running at once rarely try the same one (a clash fails creation, which then retries).
async function freePort(): Promise<number> {
  const taken = new Set((await clusters()).map((c) => c.port))
  const span = PORTS.last - PORTS.first + 1
  const offset = Math.floor(Math.random() * span)
  for (let i = 0; i < span; i++) {
    const port = PORTS.first + ((offset + i) % span)
    if (!taken.has(port) && (await bindable(port))) return port
  }
  throw new Error(`no free port in ${PORTS.first}-${PORTS.last} for a scratch cluster`)
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)))
  })
}
