import { randomBytes } from 'node:crypto'
import { mintToken } from '@eventcore/service'
import { errorMessage } from '../error-message.js'
import type { Outcome } from '../measure/measurement.js'
import { takeTurns } from '../measure/rounds.js'
import type { ScenarioContext } from '../operations/scenario.js'
import type { Role } from '../report/report.js'
import { formatMs } from '../report/table.js'
import { namespaceOf } from '../stores/namespaces.js'
import { type HttpMeasurement, runHttpLoad, seedUsers } from './load.js'
import {
  type HttpRequestKind,
  type HttpResultRow,
  type HttpSection,
  httpGroup,
  httpTargets,
  P95_TARGET_MS,
} from './report.js'
import { getRequest, pickAtRandom, registerBodies, registerRequest } from './requests.js'
import type { HttpServerKind } from './server-messages.js'
import type { HttpServerFleet, HttpServerProcess } from './server-process.js'

/** What the HTTP operation needs beyond the other scenarios. */
export interface HttpUsersContext extends ScenarioContext {
  /** Why the PostgreSQL server cannot be used; undefined when it answers. */
  readonly unreachable: string | undefined
  /** Starts the server processes; the run stops what is left of them on Ctrl-C. */
  readonly fleet: HttpServerFleet
}

interface HttpContender {
  readonly name: string
  readonly key: string
  readonly role: Role
  readonly kind: HttpServerKind
}

const CONTENDERS: readonly HttpContender[] = [
  { name: 'EventCore users service', key: 'ec', role: 'us', kind: 'eventcore' },
  { name: 'bare Fastify + pg', key: 'bare', role: 'raw', kind: 'bare' },
]
const CONNECTIONS = [8, 32] as const
const REQUESTS: readonly HttpRequestKind[] = ['register', 'get']
/** Users registered through each server before its rows: the ids GET reads, and the fresh process's warm-up. */
const SEED_USERS = 1000
/** The service's longest token lifetime, so no run outlives its token. */
const TOKEN_TTL_SECONDS = 604_800

/** Non-2xx answers and unanswered requests, summed over the rounds of a row. */
interface Tally {
  non2xx: number
  errors: number
}

/** Starts each contender's server with a pool of `connections`, in a fresh schema; failures by name. */
async function startServers(context: HttpUsersContext, connections: number, jwtSecret: string) {
  const servers = new Map<string, HttpServerProcess>()
  const failures = new Map<string, string>()
  await Promise.all(
    CONTENDERS.map(async ({ name, key, kind }) => {
      const schema = namespaceOf(context.prefix, `s8c${connections}`, key)
      try {
        const { databaseUrl } = context.settings
        servers.set(name, await context.fleet.start({ kind, databaseUrl, schema, poolSize: connections, jwtSecret }))
      } catch (error) {
        failures.set(name, `failed to start: ${errorMessage(error)}`)
      }
    }),
  )
  return { servers, failures }
}

/** Settles a server and says in a note how long its projection still ran after the measurement. */
async function settleNote(server: HttpServerProcess): Promise<string | undefined> {
  const { ms, problem } = await server.settle()
  if (problem) return problem
  return ms > 0 ? `projection caught up ${formatMs(ms)} ms after` : undefined
}

/** The rows of one connection count: its own two servers, seeded, then register and get. */
async function rowsAt(
  context: HttpUsersContext,
  connections: number,
  secret: string,
  token: string,
): Promise<HttpResultRow[]> {
  const { settings, prefix, onTurn } = context
  const { servers, failures } = await startServers(context, connections, secret)
  const ids = new Map<string, readonly string[]>()
  const rows: HttpResultRow[] = []
  try {
    for (const [name, server] of servers) {
      try {
        const nextBody = registerBodies(`${prefix}-seed${connections}`)
        ids.set(
          name,
          await seedUsers({ url: server.url, token, count: SEED_USERS, concurrency: connections, nextBody }),
        )
        await server.settle()
      } catch (error) {
        failures.set(name, errorMessage(error))
      }
    }
    const bodies = new Map(CONTENDERS.map((c) => [c.name, registerBodies(`${prefix}-c${connections}`)]))
    for (const request of REQUESTS) {
      const tallies = new Map<string, Tally>()
      const turns = CONTENDERS.flatMap(({ name }) => {
        const server = servers.get(name)
        const seeded = ids.get(name)
        const nextBody = bodies.get(name)
        if (!server || !seeded || !nextBody || failures.has(name)) return []
        const next = request === 'register' ? undefined : pickAtRandom(seeded)
        return [
          {
            key: name,
            async run(): Promise<HttpMeasurement> {
              const measured = await runHttpLoad({
                url: server.url,
                connections,
                warmupMs: settings.httpWarmupMs,
                durationMs: settings.httpDurationMs,
                request: () => (next ? getRequest(token, next) : registerRequest(token, nextBody)),
              })
              const tally = tallies.get(name) ?? { non2xx: 0, errors: 0 }
              tally.non2xx += measured.non2xx
              tally.errors += measured.errors
              tallies.set(name, tally)
              // Before the next turn: the projection's work must not spill into the other server's.
              const note = await settleNote(server)
              return note ? { ...measured, note } : measured
            },
          },
        ]
      })
      const outcomes = await takeTurns(turns, { rounds: settings.rounds, onTurn })
      for (const { name, role } of CONTENDERS) {
        const outcome: Outcome = outcomes.get(name) ?? { missing: failures.get(name) ?? 'not run' }
        const tally = tallies.get(name)
        rows.push({
          group: httpGroup(request, connections),
          contender: name,
          role,
          outcome,
          request,
          connections,
          non2xx: tally?.non2xx,
          errors: tally?.errors,
        })
      }
    }
  } finally {
    await Promise.all([...servers.values()].map((server) => server.stop()))
  }
  return rows
}

function unreachableRows(why: string): HttpResultRow[] {
  return REQUESTS.flatMap((request) =>
    CONNECTIONS.flatMap((connections) =>
      CONTENDERS.map(({ name, role }) => ({
        group: httpGroup(request, connections),
        contender: name,
        role,
        outcome: { missing: why },
        request,
        connections,
        non2xx: undefined,
        errors: undefined,
      })),
    ),
  )
}

/**
 * 8. The users service over HTTP (`POST /api/v1/users`, `GET /api/v1/users/:id`) under autocannon
 * at 8 and 32 connections, beside a bare Fastify route doing the same raw INSERT/SELECT.
 */
export async function httpUsers(context: HttpUsersContext): Promise<HttpSection> {
  const { settings, unreachable } = context
  let rows: HttpResultRow[]
  if (unreachable !== undefined) {
    rows = unreachableRows(`PostgreSQL not reachable (${unreachable})`)
  } else {
    const secret = randomBytes(32).toString('base64url')
    const token = await mintToken({
      secret,
      sub: 'bench-admin',
      roles: ['admin'],
      ttlSeconds: TOKEN_TTL_SECONDS,
      now: new Date(),
    })
    rows = []
    for (const connections of CONNECTIONS) rows.push(...(await rowsAt(context, connections, secret, token)))
    // Printed by request, then connections, as the targets read.
    rows.sort((a, b) => REQUESTS.indexOf(a.request) - REQUESTS.indexOf(b.request) || a.connections - b.connections)
  }
  const seconds = (ms: number) => Number((ms / 1000).toFixed(2))
  return {
    title: '8. The users service over HTTP: register (POST /api/v1/users) and get (GET /api/v1/users/:id)',
    rows,
    notes: [
      "EventCore users service: the example service's startService as npm start runs it: JWT auth (an admin token, HS256), the rate limiter (1,000,000 per minute: it counts every request and never refuses one), ajv validation, problem+json errors, the executor (register: one atomic append to the user's stream and the e-mail's claim stream, with no read first (assumeNewStreams) and none after; get: the user's stream read and folded), the PostgreSQL store and the users projection running. No Idempotency-Key is sent.",
      'bare Fastify + pg: a Fastify app with the same body schema and ajv options; POST: one named INSERT INTO bare_users (id, email, first_name, last_name), a unique index on lower(email); GET: one named SELECT by primary key. No auth, no events.',
      `Each server runs in a child process of its own (child_process.fork), autocannon in the bench process; pools of one connection per autocannon connection (8 or 32), fresh schemas. Each server first registers ${SEED_USERS.toLocaleString('en-US')} users (concurrently, not timed): the ids GET picks at random, and the fresh process's warm-up.`,
      `Every POST registers a new user (a new e-mail per request, autocannon's setupRequest). ${seconds(settings.httpDurationMs)} s measured per turn (EVENTCORE_BENCH_SECONDS, at least 3 s for HTTP) after ${seconds(settings.httpWarmupMs)} s of warm-up; ${settings.rounds} round${settings.rounds === 1 ? '' : 's'} taking turns, the median round shown.`,
      'requests/s counts 2xx answers; latency per answer, as autocannon times it; non-2xx: every answer outside 200–299 in all rounds of the row (0 expected).',
      "After each turn the next one waits until the users projection has applied every event (not timed; the note says how long it took), so its work never spills into the other server's turn.",
      `Targets (issue 15, for 2-core machines): register ≥ 70 % and get ≥ 80 % of the bare route's throughput at 8 and 32 connections; register p95 < ${P95_TARGET_MS} ms at both, get p95 < ${P95_TARGET_MS} ms at 8.`,
    ],
    targets: httpTargets(rows, CONNECTIONS),
  }
}
