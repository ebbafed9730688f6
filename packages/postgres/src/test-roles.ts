// Test support (not built): a database of the test's own with EventCore's two roles, named for this
// run, and everything dropped at the end so the shared cluster is left as it was.
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { openPostgresStore, type PostgresEventStore } from './postgres-store.js'
import { rolesSql } from './roles-sql.js'
import type { AfterAll } from './test-database.js'
import { uniqueSchema } from './test-database.js'

/** A database with a migrator and an application role; `url(role)` connects as one of them. */
export interface RoleDatabase {
  readonly migrator: string
  readonly app: string
  /** Creates the database and the roles, once. */
  readonly ready: () => Promise<void>
  /** The database as the superuser the test URL names (after `ready()`). */
  readonly admin: () => pg.Client
  readonly url: (role: 'migrator' | 'app') => string
  /** A fresh schema with the roles applied and migrated by the migrator; returns its name. */
  readonly migratedSchema: () => Promise<string>
  /** Opens the store in `schema` as the application role, not migrating (closed at the end). */
  readonly openAsApp: (schema: string) => Promise<PostgresEventStore>
  /** Opens the store in `schema` as the migrator (closed at the end). */
  readonly openAsMigrator: (schema: string) => Promise<PostgresEventStore>
  /** Closes the stores opened so far (a contract suite's, whose pools would hold connections for a while). */
  readonly closeOpened: () => Promise<void>
}

/**
 * The database and roles of a test file: made when first used, dropped after the file's tests.
 * Call it while the tests are collected (it registers `afterAll`).
 */
export function roleDatabase(databaseUrl: string, afterAll: AfterAll): RoleDatabase {
  const tag = `${process.pid}_${randomBytes(3).toString('hex')}`
  const database = `ec_roles_${tag}`
  const migrator = `ec_migrator_${tag}`
  const app = `ec_app_${tag}`
  const password = randomBytes(12).toString('hex')
  const server = new pg.Pool({ connectionString: databaseUrl, max: 1 })
  const at = (user?: string) => {
    const url = new URL(databaseUrl)
    url.pathname = `/${database}`
    if (user) {
      url.username = user
      url.password = password
    }
    return url.toString()
  }
  // A client, not a pool: its end() waits for the connection to close, so the DROP DATABASE below
  // never ends a connection that has no one to hear about it.
  let adminClient: pg.Client | undefined
  const admin = () => {
    adminClient ??= new pg.Client({ connectionString: at() })
    return adminClient
  }
  const opened: PostgresEventStore[] = []
  let created: Promise<void> | undefined
  const ready = () => {
    created ??= (async () => {
      await server.query(`CREATE DATABASE ${database}`)
      await admin().connect()
      await admin().query(rolesSql({ migrator, app }))
      for (const role of [migrator, app]) await admin().query(`ALTER ROLE ${role} PASSWORD '${password}'`)
    })()
    return created
  }
  const closeOpened = async () => {
    for (const store of opened.splice(0)) await store.close().catch(() => {})
  }
  afterAll(async () => {
    await closeOpened()
    if (created) {
      await created.catch(() => {})
      await admin().end()
      await server.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
      // The roles' grants and default privileges lived in that database; nothing else holds them.
      await server.query(`DROP ROLE IF EXISTS ${migrator}`)
      await server.query(`DROP ROLE IF EXISTS ${app}`)
    }
    await server.end()
  })
  const open = async (role: 'migrator' | 'app', schema: string) => {
    await ready()
    const store = await openPostgresStore({
      connectionString: at(role === 'migrator' ? migrator : app),
      schema,
      migrate: role === 'migrator',
      poolSize: role === 'app' ? 20 : 2,
    })
    opened.push(store)
    return store
  }
  return {
    migrator,
    app,
    admin,
    url: (role) => at(role === 'migrator' ? migrator : app),
    ready,
    migratedSchema: async () => {
      await ready()
      const schema = uniqueSchema()
      await admin().query(rolesSql({ schema, migrator, app }))
      await (await open('migrator', schema)).close()
      return schema
    },
    openAsApp: (schema) => open('app', schema),
    openAsMigrator: (schema) => open('migrator', schema),
    closeOpened,
  }
}
