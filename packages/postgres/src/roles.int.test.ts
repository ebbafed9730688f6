import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  describeIdempotencyStoreContract,
  describeProjectionContract,
  describeStoreContract,
} from '@eventcore/core/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { openPostgresStore } from './postgres-store.js'
import { rolesSql } from './roles-sql.js'
import { createSqlIdempotencyStore } from './sql-idempotency.js'
import { databaseUrl, uniqueSchema } from './test-database.js'
import { depositTotalsFixture } from './test-projection-fixture.js'
import { roleDatabase } from './test-roles.js'

// EventCore's two roles in a database of this file's own: the migrator migrates each schema, and
// every store works as the application role on a schema it does not own and cannot change.
describe.runIf(databaseUrl)('the application role', () => {
  const db = roleDatabase(databaseUrl ?? '', afterAll)
  const asApp = async () => db.openAsApp(await db.migratedSchema())

  describe('contracts', () => {
    afterAll(() => db.closeOpened())
    describeStoreContract('PostgreSQL as the application role', asApp)
  })

  describe('contracts', () => {
    afterAll(() => db.closeOpened())
    describeIdempotencyStoreContract('the SQL idempotency store as the application role', async () =>
      createSqlIdempotencyStore(await asApp()),
    )
  })

  // The read model's table is DDL, so the migrator makes it; default privileges let the app write it.
  describe('contracts', () => {
    afterAll(() => db.closeOpened())
    describeProjectionContract('PostgreSQL projections as the application role', async () => {
      const schema = await db.migratedSchema()
      // The read model's table is the migrator's to create; the app role only writes to it.
      return depositTotalsFixture(await db.openAsApp(schema), (await db.openAsMigrator(schema)).driver)
    })
  })

  it('cannot update, delete or truncate an event, nor run DDL (42501)', async () => {
    const schema = await db.migratedSchema()
    const store = await db.openAsApp(schema)
    await store.append([{ streamId: 'kept', events: [{ type: 'Happened', data: { n: 1 } }] }])
    const refused = async (sql: string) =>
      expect(store.pool.query(sql), sql).rejects.toMatchObject({ code: '42501', message: /permission denied/ })
    const events = `"${schema}".events`
    await refused(`UPDATE ${events} SET data = '{"n": 2}'`)
    await refused(`DELETE FROM ${events}`)
    await refused(`TRUNCATE ${events}`)
    await refused(`DELETE FROM "${schema}".migrations`)
    await refused(`CREATE TABLE "${schema}".mine (id int)`)
    await refused('CREATE TABLE public.mine (id int)')
    await refused(`ALTER TABLE ${events} ADD COLUMN x int`)
    await refused(`DROP TABLE ${events}`)
    expect((await store.readStream('kept')).events).toMatchObject([{ data: { n: 1 } }])
  })

  it('loses any UPDATE or DELETE on events at the next migration, whoever granted it', async () => {
    const schema = await db.migratedSchema()
    await db.admin().query(`GRANT UPDATE, DELETE, TRUNCATE ON "${schema}".events TO ${db.app}, PUBLIC`)
    await db.openAsMigrator(schema)
    const { rows } = await db.admin().query<{ grantee: string; privilege_type: string }>(
      `SELECT grantee, privilege_type FROM information_schema.role_table_grants
       WHERE table_schema = $1 AND table_name = 'events' AND grantee <> $2 ORDER BY 1, 2`,
      [schema, db.migrator],
    )
    expect(rows).toEqual([
      { grantee: db.app, privilege_type: 'INSERT' },
      { grantee: db.app, privilege_type: 'SELECT' },
    ])
  })

  it('refuses to open a schema that is not migrated, naming the migrate command', async () => {
    const schema = uniqueSchema()
    await db.admin().query(rolesSql({ schema, migrator: db.migrator, app: db.app }))
    await expect(openPostgresStore({ connectionString: db.url('app'), schema, migrate: false })).rejects.toMatchObject({
      kind: 'store-unavailable',
      message: expect.stringMatching(/is not migrated .*eventcore-cli migrate/),
    })
  })

  it('cannot migrate: the schema is the migrator’s', async () => {
    const schema = uniqueSchema()
    await db.admin().query(rolesSql({ schema, migrator: db.migrator, app: db.app }))
    await expect(openPostgresStore({ connectionString: db.url('app'), schema })).rejects.toMatchObject({
      kind: 'store-unavailable',
      message: expect.stringMatching(/migrate failed \(42501\): permission denied for schema/),
    })
  })

  it('hands an existing schema and its objects to the migrator when rolesSql runs after a one-role start', async () => {
    await db.ready()
    const schema = uniqueSchema()
    const url = new URL(db.url('app'))
    url.username = new URL(databaseUrl ?? '').username
    url.password = new URL(databaseUrl ?? '').password
    const superuserStore = await openPostgresStore({ connectionString: url.toString(), schema })
    await superuserStore.close()
    await db.admin().query(rolesSql({ schema, migrator: db.migrator, app: db.app }))
    const owners = await db
      .admin()
      .query<{ owner: string }>(`SELECT DISTINCT tableowner AS owner FROM pg_tables WHERE schemaname = $1`, [schema])
    expect(owners.rows).toEqual([{ owner: db.migrator }])
    const store = await db.openAsApp(schema)
    await store.append([{ streamId: 'adopted', events: [{ type: 'X', data: {} }] }])
    await expect(store.pool.query(`DELETE FROM "${schema}".events`)).rejects.toMatchObject({ code: '42501' })
  })
})

describe('rolesSql', () => {
  it('refuses role names that would need quoting, and one role for both', () => {
    expect(() => rolesSql({ migrator: 'Robert"; DROP', app: 'app' })).toThrow(/not a valid role name/)
    expect(() => rolesSql({ migrator: 'same', app: 'same' })).toThrow(/must not be the migrator/)
    expect(() => rolesSql({ schema: 'Bad-Schema' })).toThrow(/not a valid schema name/)
  })

  it('is what docs/database-security.md shows, word for word', () => {
    const doc = readFileSync(join(import.meta.dirname, '../../../docs/database-security.md'), 'utf8')
    const shown = /<!-- rolesSql\(\) -->\n```sql\n([\s\S]*?)```/.exec(doc)?.[1]
    expect(shown).toBe(rolesSql())
  })

  it('sets no password and gives the application no UPDATE, DELETE or TRUNCATE on events', () => {
    const sql = rolesSql()
    expect(sql).not.toMatch(/PASSWORD '[^…]/)
    expect(sql).toContain('--   events: SELECT, INSERT')
    expect(sql).toContain(`('events', ARRAY['SELECT', 'INSERT'])`)
  })
})
