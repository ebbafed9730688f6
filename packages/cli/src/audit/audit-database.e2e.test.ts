// `audit` against a real PostgreSQL: a superuser, then a restricted login role of the test's own,
// given one bad grant at a time; each finding appears with its grant and goes with it.
import { openPostgresStore, type PostgresEventStore } from '@eventcore/postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runAudit } from './test-audit.js'

const databaseUrl = process.env.EVENTCORE_TEST_DATABASE_URL
const unique = `${process.pid}_${Date.now().toString(36)}`
const schema = `ec_audit_${unique}`
const role = `ec_audit_app_${unique}`
const PRIVILEGE_RULES = ['EC-AUTHZ-010', 'EC-AUTHZ-011', 'EC-AUTHZ-012', 'EC-AUTHZ-013', 'EC-AUTHZ-014', 'EC-AUTHZ-015']

describe.runIf(databaseUrl)('eventcore-cli audit of a PostgreSQL database', () => {
  let admin: PostgresEventStore
  const sql = (text: string) => admin.driver.query(text)
  const asRole = () => {
    const url = new URL(databaseUrl ?? '')
    url.username = role
    url.password = 'audit-test-password'
    return url.href
  }
  const audit = (url: string) =>
    runAudit(['--no-config', '--database-url', url], {
      EVENTCORE_DATABASE_SCHEMA: schema,
      EVENTCORE_DATA_DIR: 'memory://',
    })

  beforeAll(async () => {
    // The superuser migrates the schema (it owns it, as the migrator would); the role only gets DML.
    admin = await openPostgresStore({ connectionString: databaseUrl, schema, poolSize: 2 })
    await sql(`CREATE ROLE ${role} LOGIN PASSWORD 'audit-test-password'`)
    await sql(`GRANT USAGE ON SCHEMA ${schema} TO ${role}`)
    await sql(`GRANT SELECT, INSERT ON ${schema}.events TO ${role}`)
    await sql(`GRANT SELECT ON ${schema}.migrations TO ${role}`)
  })
  afterAll(async () => {
    if (!admin) return
    await sql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    await sql(`DROP OWNED BY ${role}`).catch(() => {})
    await sql(`DROP ROLE IF EXISTS ${role}`)
    await admin.close()
  })

  it('reports a superuser connection, which can also rewrite events, and the plaintext connection', async () => {
    const run = await audit(databaseUrl ?? '')
    expect(run.stderr).toBe('')
    expect(run.code).toBe(1)
    expect(run.find('EC-AUTHZ-010')?.description).toMatch(/connects as \S+, a superuser/)
    expect(run.find('EC-AUTHZ-015')?.description).toMatch(/can UPDATE, DELETE, TRUNCATE .*\.events/)
    expect(run.find('EC-ENC-010')?.description).toContain("SHOW ssl is 'off'; pg_stat_ssl: this connection ssl = false")
    // A superuser can read pg_hba_file_rules: checked, not reported as unchecked.
    expect(run.ids).not.toContain('EC-AUTH-012')
    expect(run.report.sources).toContainEqual(expect.objectContaining({ source: 'database', status: 'audited' }))
  })

  it('finds no privilege problem for a role with only INSERT and SELECT on events', async () => {
    const run = await audit(asRole())
    expect(run.stderr).toBe('')
    expect(run.ids.filter((id) => PRIVILEGE_RULES.includes(id))).toEqual([])
    expect(run.ids).toContain('EC-ENC-010')
    // pg_hba_file_rules is for superusers: said to be unchecked, never passed.
    expect(run.find('EC-AUTH-012')?.description).toMatch(/pg_hba_file_rules could not be read: permission denied/)
    // Only the plaintext connection is at or above the default --fail-on high.
    expect(run.code).toBe(1)
    const lenient = await runAudit(['--no-config', '--database-url', asRole(), '--fail-on', 'critical'], {
      EVENTCORE_DATABASE_SCHEMA: schema,
    })
    expect(lenient.code).toBe(0)
  })

  it('reports UPDATE or DELETE on events granted to the role', async () => {
    await sql(`GRANT UPDATE, DELETE ON ${schema}.events TO ${role}`)
    try {
      const run = await audit(asRole())
      expect(run.find('EC-AUTHZ-015')).toMatchObject({
        severity: 'critical',
        description: `role ${role} can UPDATE, DELETE ${schema}.events`,
        location: `${schema}.events`,
      })
    } finally {
      await sql(`REVOKE UPDATE, DELETE ON ${schema}.events FROM ${role}`)
    }
    expect((await audit(asRole())).ids).not.toContain('EC-AUTHZ-015')
  })

  it('reports privileges granted to PUBLIC on the tables and on the schema', async () => {
    await sql(`GRANT SELECT ON ${schema}.events TO PUBLIC`)
    await sql(`GRANT CREATE ON SCHEMA ${schema} TO PUBLIC`)
    try {
      const run = await audit(asRole())
      expect(run.find('EC-AUTHZ-013')?.description).toBe(`PUBLIC holds ${schema}.events: SELECT`)
      expect(run.find('EC-AUTHZ-014')?.description).toBe(`PUBLIC holds CREATE on schema ${schema}`)
    } finally {
      await sql(`REVOKE SELECT ON ${schema}.events FROM PUBLIC`)
      await sql(`REVOKE CREATE ON SCHEMA ${schema} FROM PUBLIC`)
    }
    const clean = await audit(asRole())
    expect(clean.ids).not.toContain('EC-AUTHZ-013')
    expect(clean.ids).not.toContain('EC-AUTHZ-014')
  })

  it('reports CREATEROLE, CREATEDB and MD5 password hashing of the role', async () => {
    await sql(`ALTER ROLE ${role} CREATEROLE CREATEDB`)
    await sql(`ALTER ROLE ${role} SET password_encryption = 'md5'`)
    try {
      const run = await audit(asRole())
      expect(run.find('EC-AUTHZ-011')?.description).toBe(`role ${role} has CREATEROLE`)
      expect(run.find('EC-AUTHZ-012')?.description).toBe(`role ${role} has CREATEDB`)
      expect(run.find('EC-AUTH-010')?.description).toBe("SHOW password_encryption is 'md5'")
    } finally {
      await sql(`ALTER ROLE ${role} NOCREATEROLE NOCREATEDB`)
      await sql(`ALTER ROLE ${role} RESET password_encryption`)
    }
    const clean = await audit(asRole())
    expect(clean.ids.filter((id) => ['EC-AUTHZ-011', 'EC-AUTHZ-012', 'EC-AUTH-010'].includes(id))).toEqual([])
  })

  it('answers a schema that was never migrated with exit 2 and one line', async () => {
    const run = await runAudit(['--no-config', '--database-url', databaseUrl ?? ''], {
      EVENTCORE_DATABASE_SCHEMA: `${schema}_missing`,
    }).catch((error: Error) => error)
    expect(run).toBeInstanceOf(Error)
    expect((run as Error).message).toMatch(/exit 2\): error: .*no table .*_missing\.events: the schema is not migrated/)
  })
})
