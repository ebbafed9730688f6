import type { SqlEventStore } from '@eventcore/postgres'
import type { Finding } from './finding.js'
import { finding } from './rules.js'

/** What {@link auditDatabase} needs besides the store. */
export interface DatabaseAuditOptions {
  /** The kind `openDatabase` opened: only PostgreSQL has TLS, roles and pg_hba to audit. */
  readonly kind: 'postgres' | 'pglite'
}

/** Why the database source does not apply to the embedded PGlite. */
export const PGLITE_NOT_APPLICABLE =
  'embedded PGlite: no network, TLS, roles or pg_hba.conf, so the database checks do not apply (protect the data directory instead)'

interface RoleRow {
  readonly role: string
  readonly rolsuper: boolean
  readonly rolcreaterole: boolean
  readonly rolcreatedb: boolean
}
interface HbaRow {
  readonly line_number: number
  readonly type: string
  readonly address: string | null
  readonly auth_method: string
}

const WEAK_METHODS: ReadonlySet<string> = new Set(['trust', 'password', 'md5'])
const LOCAL_ADDRESSES = /^(127\.|::1$|localhost$|samehost$)/

const list = (items: readonly string[]): string => items.join(', ')

/** The privileges PUBLIC holds on the tables of `schema` and on the schema itself. */
async function publicGrants(store: SqlEventStore): Promise<Finding[]> {
  const { name } = store.schema
  const findings: Finding[] = []
  const tables = await store.driver.query<{ relname: string; privilege_type: string }>(
    `SELECT c.relname, a.privilege_type
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace,
       LATERAL aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'S') AND a.grantee = 0
      ORDER BY c.relname, a.privilege_type`,
    [name],
  )
  if (tables.length > 0) {
    const byTable = new Map<string, string[]>()
    for (const row of tables) byTable.set(row.relname, [...(byTable.get(row.relname) ?? []), row.privilege_type])
    const described = [...byTable].map(([table, privileges]) => `${name}.${table}: ${list(privileges)}`)
    findings.push(finding('EC-AUTHZ-013', 'database', `PUBLIC holds ${described.join('; ')}`, `schema ${name}`))
  }
  const schema = await store.driver.query<{ privilege_type: string }>(
    `SELECT a.privilege_type
       FROM pg_namespace n,
       LATERAL aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
      WHERE n.nspname = $1 AND a.grantee = 0
      ORDER BY a.privilege_type`,
    [name],
  )
  if (schema.length > 0) {
    const privileges = schema.map((row) => row.privilege_type)
    findings.push(
      finding('EC-AUTHZ-014', 'database', `PUBLIC holds ${list(privileges)} on schema ${name}`, `schema ${name}`),
    )
  }
  return findings
}

/** Can the connected role change or remove events? */
async function eventsWritable(store: SqlEventStore, role: string): Promise<Finding[]> {
  const table = `${store.schema.quoted}.events`
  const [exists] = await store.driver.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [table])
  if (!exists?.found) {
    throw new Error(`no table ${store.schema.name}.events: the schema is not migrated (run eventcore-cli migrate)`)
  }
  const [row] = await store.driver.query<{ update: boolean; delete: boolean; truncate: boolean; owner: boolean }>(
    `SELECT has_table_privilege($1::regclass, 'UPDATE') AS update,
            has_table_privilege($1::regclass, 'DELETE') AS delete,
            has_table_privilege($1::regclass, 'TRUNCATE') AS truncate,
            pg_has_role(current_user, c.relowner, 'USAGE') AS owner
       FROM pg_class c WHERE c.oid = $1::regclass`,
    [table],
  )
  if (!row) return []
  const rights = (['update', 'delete', 'truncate'] as const).filter((right) => row[right]).map((r) => r.toUpperCase())
  if (rights.length === 0) return []
  const why = row.owner ? ' (it owns the table)' : ''
  return [
    finding(
      'EC-AUTHZ-015',
      'database',
      `role ${role} can ${list(rights)} ${store.schema.name}.events${why}`,
      `${store.schema.name}.events`,
    ),
  ]
}

async function hbaRules(store: SqlEventStore): Promise<Finding[]> {
  let rows: HbaRow[]
  try {
    rows = await store.driver.query<HbaRow>(
      `SELECT line_number, type, address, auth_method FROM pg_hba_file_rules WHERE error IS NULL ORDER BY line_number`,
    )
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    return [finding('EC-AUTH-012', 'database', `pg_hba_file_rules could not be read: ${reason}`, 'pg_hba.conf')]
  }
  const weak = rows.filter(
    (row) => row.type !== 'local' && WEAK_METHODS.has(row.auth_method) && !LOCAL_ADDRESSES.test(row.address ?? 'all'),
  )
  if (weak.length === 0) return []
  const lines = weak.map((row) => `line ${row.line_number}: ${row.type} ${row.address ?? 'all'} ${row.auth_method}`)
  return [finding('EC-AUTH-011', 'database', `pg_hba.conf has ${lines.join('; ')}`, 'pg_hba.conf')]
}

/**
 * Audits the live PostgreSQL behind `store`, as the role it connected with: TLS on the server and
 * on this very connection (`pg_stat_ssl`), the role's attributes, `PUBLIC` grants on the schema
 * and its tables, whether the role can `UPDATE`/`DELETE`/`TRUNCATE` events, `password_encryption`,
 * and `pg_hba.conf` (readable by superusers only: otherwise a low finding says it was not checked).
 * Throws for PGlite, which has none of these ({@link PGLITE_NOT_APPLICABLE}), and for a schema that
 * is not migrated.
 *
 * @example
 * const { store, kind } = await openDatabase(config, { migrate: 'inspect', timeoutMs })
 * const findings = await auditDatabase(store, { kind })
 */
export async function auditDatabase(store: SqlEventStore, options: DatabaseAuditOptions): Promise<Finding[]> {
  if (options.kind === 'pglite') throw new RangeError(`auditDatabase: ${PGLITE_NOT_APPLICABLE}`)
  const findings: Finding[] = []
  const query = store.driver.query.bind(store.driver)

  const [ssl] = await query<{ ssl: string }>('SHOW ssl')
  const [connection] = await query<{ ssl: boolean; version: string | null }>(
    'SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
  )
  if (ssl?.ssl !== 'on') {
    findings.push(
      finding(
        'EC-ENC-010',
        'database',
        `SHOW ssl is '${ssl?.ssl ?? 'unknown'}'; pg_stat_ssl: this connection ssl = ${connection?.ssl ?? 'unknown'}`,
        'ssl',
      ),
    )
  } else if (connection?.ssl !== true) {
    findings.push(
      finding(
        'EC-ENC-011',
        'database',
        'the server has ssl = on, yet pg_stat_ssl shows this connection unencrypted',
        'ssl',
      ),
    )
  } else if (connection.version !== null && /^(SSLv|TLSv1(\.[01])?$)/.test(connection.version)) {
    findings.push(
      finding('EC-ENC-012', 'database', `this connection uses ${connection.version}`, 'ssl_min_protocol_version'),
    )
  }

  const [role] = await query<RoleRow>(
    'SELECT current_user AS role, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user',
  )
  const roleName = role?.role ?? 'unknown'
  if (role?.rolsuper) {
    findings.push(
      finding('EC-AUTHZ-010', 'database', `the service connects as ${roleName}, a superuser`, `role ${roleName}`),
    )
  } else {
    // A superuser has every right: these two only say something of an ordinary role.
    if (role?.rolcreaterole)
      findings.push(finding('EC-AUTHZ-011', 'database', `role ${roleName} has CREATEROLE`, `role ${roleName}`))
    if (role?.rolcreatedb)
      findings.push(finding('EC-AUTHZ-012', 'database', `role ${roleName} has CREATEDB`, `role ${roleName}`))
  }
  findings.push(...(await publicGrants(store)))
  findings.push(...(await eventsWritable(store, roleName)))

  const [encryption] = await query<{ password_encryption: string }>('SHOW password_encryption')
  if (encryption?.password_encryption === 'md5') {
    findings.push(finding('EC-AUTH-010', 'database', "SHOW password_encryption is 'md5'", 'password_encryption'))
  }
  findings.push(...(await hbaRules(store)))
  return findings
}
