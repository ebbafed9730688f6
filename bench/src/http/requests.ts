import type autocannon from 'autocannon'

/** The path both servers answer under. */
export const USERS_PATH = '/api/v1/users'

/** What may go into an e-mail address's local part as a run's tag. */
const TAG = /^[a-z0-9_-]{1,40}$/

/**
 * Registration bodies, each with an e-mail address no other body of this generator (or of a
 * generator with another tag) has: every request is a new registration, never a conflict.
 *
 * @param tag Distinguishes runs and servers, e.g. the run's prefix; lower-case letters, digits, `_` and `-`.
 * @example
 * const next = registerBodies('bench_lx1')
 * next() // '{"email":"u1.bench_lx1@bench.example.com","first_name":"Ada","last_name":"Lovelace"}'
 */
export function registerBodies(tag: string): () => string {
  if (!TAG.test(tag)) throw new Error(`a request tag is 1–40 lower-case letters, digits, _ or -, got '${tag}'`)
  let sequence = 0
  return () => {
    sequence += 1
    return JSON.stringify({ email: `u${sequence}.${tag}@bench.example.com`, first_name: 'Ada', last_name: 'Lovelace' })
  }
}

/**
 * Picks items at random, uniformly, with replacement.
 *
 * @param random A number in [0, 1), as `Math.random` gives. @default Math.random
 * @example
 * pickAtRandom(['a', 'b'], () => 0.7)() // 'b'
 */
export function pickAtRandom<T>(items: readonly T[], random: () => number = Math.random): () => T {
  if (items.length === 0) throw new Error('nothing to pick from')
  return () => {
    const item = items[Math.min(items.length - 1, Math.floor(random() * items.length))]
    if (item === undefined) throw new Error('picked a hole in a sparse array')
    return item
  }
}

const bearer = (token: string) => `Bearer ${token}`

/**
 * `POST /api/v1/users`, with a new body for every request.
 *
 * @example
 * autocannon({ url, connections: 8, requests: [registerRequest(token, registerBodies('run1'))] })
 */
export function registerRequest(token: string, nextBody: () => string): autocannon.Request {
  return {
    method: 'POST',
    path: USERS_PATH,
    headers: { authorization: bearer(token), 'content-type': 'application/json' },
    setupRequest: (request) => ({ ...request, body: nextBody() }),
  }
}

/**
 * `GET /api/v1/users/:id` of an id from `nextId` for every request.
 *
 * @example
 * autocannon({ url, connections: 8, requests: [getRequest(token, pickAtRandom(ids))] })
 */
export function getRequest(token: string, nextId: () => string): autocannon.Request {
  return {
    method: 'GET',
    path: USERS_PATH,
    headers: { authorization: bearer(token) },
    setupRequest: (request) => ({ ...request, path: `${USERS_PATH}/${encodeURIComponent(nextId())}` }),
  }
}
