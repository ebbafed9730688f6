import { uuidv7 } from '@eventcore/core'
import Fastify, { type FastifyInstance } from 'fastify'
import pg from 'pg'
import { schemaIdentifier } from '../stores/namespaces.js'

/** Options of {@link startBareUsersServer}. */
export interface BareUsersServerOptions {
  readonly databaseUrl: string
  /** Where `bare_users` is created; the schema is created when missing. */
  readonly schema: string
  /** Most connections in the pool. */
  readonly poolSize: number
}

/** A listening bare server. */
export interface BareUsersServer {
  /** E.g. `http://127.0.0.1:41234`. */
  readonly url: string
  close(): Promise<void>
}

/** The users service's `RegisterBody`, as plain JSON Schema. */
const REGISTER_BODY = {
  type: 'object',
  properties: {
    email: { type: 'string', format: 'email', maxLength: 254 },
    first_name: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' },
    last_name: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' },
  },
  required: ['email', 'first_name', 'last_name'],
  additionalProperties: false,
} as const

const USER_BODY = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    email: { type: 'string' },
    first_name: { type: 'string' },
    last_name: { type: 'string' },
    created_at: { type: 'string', format: 'date-time' },
  },
} as const

const USER_PARAMS = {
  type: 'object',
  properties: { id: { type: 'string', format: 'uuid' } },
  required: ['id'],
  additionalProperties: false,
} as const

interface RegisterBody {
  readonly email: string
  readonly first_name: string
  readonly last_name: string
}

interface UserRow extends RegisterBody {
  readonly id: string
  readonly created_at: Date
}

const UNIQUE_VIOLATION = '23505'

const isUniqueViolation = (error: unknown): boolean =>
  error instanceof Error && 'code' in error && error.code === UNIQUE_VIOLATION

const problem = (status: number, title: string, detail: string) => ({
  type: 'about:blank',
  title,
  status,
  detail,
})

/** Creates the schema and `bare_users` with the service's uniqueness rule (e-mail, in any letter case). */
async function createTable(pool: pg.Pool, schema: string): Promise<string> {
  const table = `${schemaIdentifier(schema)}.bare_users`
  await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
  await pool.query(
    `CREATE TABLE IF NOT EXISTS ${table} (
       id uuid PRIMARY KEY,
       email text NOT NULL,
       first_name text NOT NULL,
       last_name text NOT NULL,
       created_at timestamptz NOT NULL DEFAULT now())`,
  )
  await pool.query(`CREATE UNIQUE INDEX IF NOT EXISTS bare_users_email ON ${table} (lower(email))`)
  return table
}

/** The routes: one named `INSERT` per registration, one named `SELECT` by primary key per read. */
function bareApp(pool: pg.Pool, table: string): FastifyInstance {
  // The service's validation settings: every bad field at once, unknown fields refused.
  const app = Fastify({ logger: false, ajv: { customOptions: { allErrors: true, removeAdditional: false } } })
  app.post<{ Body: RegisterBody }>(
    '/api/v1/users',
    { schema: { body: REGISTER_BODY, response: { 201: USER_BODY } } },
    async (request, reply) => {
      const { email, first_name, last_name } = request.body
      const id = uuidv7()
      try {
        const { rows } = await pool.query<{ created_at: Date }>({
          name: 'bare-insert-user',
          text: `INSERT INTO ${table} (id, email, first_name, last_name) VALUES ($1, $2, $3, $4) RETURNING created_at`,
          values: [id, email, first_name, last_name],
        })
        const createdAt = rows[0]?.created_at ?? new Date()
        return reply
          .code(201)
          .header('location', `/api/v1/users/${id}`)
          .send({ id, email, first_name, last_name, created_at: createdAt.toISOString() })
      } catch (error) {
        if (!isUniqueViolation(error)) throw error
        return reply
          .code(409)
          .type('application/problem+json')
          .send(problem(409, 'Conflict', 'the e-mail address is taken'))
      }
    },
  )
  app.get<{ Params: { id: string } }>(
    '/api/v1/users/:id',
    { schema: { params: USER_PARAMS, response: { 200: USER_BODY } } },
    async (request, reply) => {
      const { rows } = await pool.query<UserRow>({
        name: 'bare-select-user',
        text: `SELECT id, email, first_name, last_name, created_at FROM ${table} WHERE id = $1`,
        values: [request.params.id],
      })
      const user = rows[0]
      if (!user) {
        return reply
          .code(404)
          .type('application/problem+json')
          .send(problem(404, 'Not Found', `no user ${request.params.id}`))
      }
      return { ...user, created_at: user.created_at.toISOString() }
    },
  )
  return app
}

/**
 * The baseline of the HTTP benchmark: a minimal Fastify app with the users service's register
 * body schema, and one raw statement per request on a plain `pg` pool. No auth, rate limit,
 * events or projection: what the whole EventCore stack is compared with.
 *
 * @example
 * const server = await startBareUsersServer({ databaseUrl, schema: 'bench_x_bare', poolSize: 8 })
 * await fetch(`${server.url}/api/v1/users`, { method: 'POST', … })
 * await server.close()
 */
export async function startBareUsersServer(options: BareUsersServerOptions): Promise<BareUsersServer> {
  const { databaseUrl, schema, poolSize } = options
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize, application_name: 'eventcore-bench-bare' })
  pool.on('error', () => {})
  try {
    const app = bareApp(pool, await createTable(pool, schema))
    const url = await app.listen({ port: 0, host: '127.0.0.1' })
    return {
      url,
      async close() {
        await app.close()
        await pool.end()
      },
    }
  } catch (error) {
    await pool.end()
    throw error
  }
}
