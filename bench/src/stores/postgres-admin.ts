import pg from 'pg'

/** One connection for the run's own bookkeeping: what the server is, and dropping what the run made. */
export interface PostgresAdmin {
  /** E.g. 'PostgreSQL 15.20'. */
  readonly serverVersion: string
  /** Drops every schema whose name starts with the prefix; resolves to their names. */
  dropSchemas(prefix: string): Promise<string[]>
  /** Creates a database unless it exists; resolves to its connection string. */
  createDatabase(name: string): Promise<string>
  /** Drops every database whose name starts with the prefix, closing its connections; resolves to their names. */
  dropDatabases(prefix: string): Promise<string[]>
  close(): Promise<void>
}

/**
 * Connects to the benchmark server, or resolves to why it cannot (nothing listening, refused
 * login…), so the run can go on with the rows that need no server.
 */
export async function connectAdmin(connectionString: string): Promise<PostgresAdmin | { unreachable: string }> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 3000, application_name: 'eventcore-bench' })
  client.on('error', () => {})
  try {
    await client.connect()
  } catch (error) {
    await client.end().catch(() => {})
    return { unreachable: describeError(error) }
  }
  const { rows } = await client.query<{ version: string }>('SELECT version()')
  const serverVersion = /^(PostgreSQL [^\s,]+)/.exec(rows[0]?.version ?? '')?.[1] ?? 'PostgreSQL'
  return {
    serverVersion,
    async dropSchemas(prefix) {
      const found = await client.query<{ nspname: string }>(
        `SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1) ORDER BY nspname`,
        [prefix],
      )
      const names = found.rows.map((r) => r.nspname)
      for (const name of names) await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(name)} CASCADE`)
      return names
    },
    async createDatabase(name) {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
      if (found.rowCount === 0) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`)
      return databaseUrl(connectionString, name)
    },
    async dropDatabases(prefix) {
      const found = await client.query<{ datname: string }>(
        'SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY datname',
        [prefix],
      )
      const names = found.rows.map((r) => r.datname)
      for (const name of names) await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`)
      return names
    },
    close: () => client.end(),
  }
}

/**
 * The same server URL with another database.
 *
 * @example
 * databaseUrl('postgres://u@h:5432/postgres', 'other') // 'postgres://u@h:5432/other'
 */
export function databaseUrl(connectionString: string, database: string): string {
  const url = new URL(connectionString)
  url.pathname = `/${encodeURIComponent(database)}`
  return url.toString()
}

function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describeError(error.errors[0])
  if (error instanceof Error) return error.message || error.name
  return String(error)
}
