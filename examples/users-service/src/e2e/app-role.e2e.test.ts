import { randomBytes } from 'node:crypto'
import { openPostgresStore, rolesSql } from '@eventcore/postgres'
import { loadConfig, migrateService } from '@eventcore/service'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UserBody, UserPage } from '../http/schemas.js'
import { usersService } from '../users-service.js'
import { bodyOf, databaseUrl, eventually, newUser, startTestService, TEST_SECRET } from './harness.js'

// The deployment docs/database-security.md describes, for real: a database of this file's own with
// EventCore's two roles; the migrator migrates (EventCore's tables and the users read model), and
// the service runs as the application role with EVENTCORE_DATABASE_MIGRATE=false.
describe.runIf(databaseUrl)('the users service as the application role', () => {
  const tag = `${process.pid}_${randomBytes(3).toString('hex')}`
  const database = `ec_users_roles_${tag}`
  const migrator = `ec_users_migrator_${tag}`
  const app = `ec_users_app_${tag}`
  const schema = 'users_service'
  const password = randomBytes(12).toString('hex')
  const server = new pg.Client({ connectionString: databaseUrl })
  const urlAs = (user?: string) => {
    const url = new URL(databaseUrl ?? '')
    url.pathname = `/${database}`
    if (user) [url.username, url.password] = [user, password]
    return url.toString()
  }
  const envAs = (role: string, migrate: boolean) => ({
    EVENTCORE_DATABASE_URL: urlAs(role),
    EVENTCORE_DATABASE_SCHEMA: schema,
    EVENTCORE_DATABASE_MIGRATE: String(migrate),
  })

  beforeAll(async () => {
    await server.connect()
    await server.query(`CREATE DATABASE ${database}`)
    const admin = new pg.Client({ connectionString: urlAs() })
    await admin.connect()
    try {
      await admin.query(rolesSql({ schema, migrator, app }))
      for (const role of [migrator, app]) await admin.query(`ALTER ROLE ${role} PASSWORD '${password}'`)
    } finally {
      await admin.end()
    }
  })
  afterAll(async () => {
    await server.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
    await server.query(`DROP ROLE IF EXISTS ${migrator}`)
    await server.query(`DROP ROLE IF EXISTS ${app}`)
    await server.end()
  })

  it('refuses to start before the migrator ran, naming eventcore-cli migrate', async () => {
    await expect(startTestService('postgres', envAs(app, false))).rejects.toThrow(
      /is not migrated .*eventcore-cli migrate/,
    )
  })

  it('cannot migrate itself: the schema is the migrator’s', async () => {
    await expect(startTestService('postgres', envAs(app, true))).rejects.toThrow(/permission denied for schema/)
  })

  it("refuses to start when only EventCore's migrations ran (eventcore-cli migrate), naming the service's step", async () => {
    const store = await openPostgresStore({ connectionString: urlAs(migrator), schema, migrate: true, poolSize: 1 })
    await store.close()
    await expect(startTestService('postgres', envAs(app, false))).rejects.toThrow(
      /users read model's table .*users_v1 is missing .*npm run migrate/,
    )
  })

  it('starts on the schema the migrator prepared, registers a user and lists it from the read model', async () => {
    const loaded = loadConfig({
      EVENTCORE_JWT_SECRET: TEST_SECRET,
      EVENTCORE_DATA_DIR: 'memory://',
      ...envAs(migrator, false),
    })
    if (!loaded.ok) throw new Error(loaded.problems.join('; '))
    // migrateService migrates whatever EVENTCORE_DATABASE_MIGRATE says: it is the migrator's step.
    await migrateService(loaded.config, usersService)

    const service = await startTestService('postgres', envAs(app, false))
    try {
      const token = await service.token(['admin'])
      const created = await service.call('/api/v1/users', { method: 'POST', token, json: newUser('app-role') })
      expect(created.status).toBe(201)
      const user = await bodyOf(created, UserBody)
      const read = await service.call(`/api/v1/users/${user.id}`, { token })
      expect(await bodyOf(read, UserBody)).toMatchObject({ id: user.id, email: user.email })
      const listed = await eventually(async () => {
        const page = await bodyOf(await service.call('/api/v1/users?limit=10', { token }), UserPage)
        return page.items.some((u) => u.id === user.id) ? page : undefined
      })
      expect(listed.items.map((u) => u.id)).toContain(user.id)
    } finally {
      await service.close()
    }
  })
})
