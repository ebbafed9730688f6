// The built migration step (`npm run migrate`, what the Kubernetes migration Job runs): a
// production migrator needs the database only, never a JWT key, and leaves EventCore's tables and
// the users read model's table in place for replicas that start with EVENTCORE_DATABASE_MIGRATE=false.
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { assertBuilt, runToExit } from '@eventcore/service/testing'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const script = join(import.meta.dirname, '../dist/migrate.js')
const databaseUrl = process.env.EVENTCORE_TEST_DATABASE_URL
const dataDir = mkdtempSync(join(tmpdir(), 'eventcore-migrate-e2e-'))

const migrate = (env: Readonly<Record<string, string>>) => runToExit(script, env)

beforeAll(() => assertBuilt(script))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

describe('npm run migrate (the built migration step)', () => {
  it('migrates in production without a JWT key (embedded PGlite)', async () => {
    const result = await migrate({ NODE_ENV: 'production', EVENTCORE_DATA_DIR: dataDir })
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(result.stdout).toMatch(/schema eventcore on embedded PGlite .* is migrated/)
  }, 60_000)

  it('still refuses a configuration with problems, naming them', async () => {
    const result = await migrate({ NODE_ENV: 'production', EVENTCORE_DATA_DIR: dataDir, EVENTCORE_PORT: 'abc' })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('EVENTCORE_PORT must be an integer')
  })

  describe.skipIf(databaseUrl === undefined)('on PostgreSQL', () => {
    const schema = `migrate_e2e_${randomUUID().replaceAll('-', '').slice(0, 12)}`
    const client = new pg.Client({ connectionString: databaseUrl })
    beforeAll(() => client.connect())
    afterAll(async () => {
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
      await client.end()
    })

    it("creates EventCore's tables and the users read model's table, and is safe to run again", async () => {
      const env = {
        NODE_ENV: 'production',
        EVENTCORE_DATABASE_URL: databaseUrl ?? '',
        EVENTCORE_DATABASE_SCHEMA: schema,
      }
      for (const _ of [1, 2]) {
        const result = await migrate(env)
        expect(result.code, result.stderr).toBe(0)
        expect(result.stdout).toContain(`schema ${schema} on PostgreSQL is migrated`)
      }
      const tables = await client.query<{ events: string | null; users: string | null }>(
        'SELECT to_regclass($1)::text AS events, to_regclass($2)::text AS users',
        [`${schema}.events`, `${schema}.users_v1`],
      )
      expect(tables.rows[0]).toEqual({ events: `${schema}.events`, users: `${schema}.users_v1` })
    }, 60_000)
  })
})
