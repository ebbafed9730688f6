import type { PlannedRequest } from './fixed-rate.js'

/** The share of each operation in the mix; they add up to 1. */
export const MIX = [
  { op: 'register', share: 0.2 },
  { op: 'get', share: 0.5 },
  { op: 'list', share: 0.2 },
  { op: 'rename', share: 0.1 },
] as const

/** An operation of the mix. */
export type SoakOp = (typeof MIX)[number]['op']

/**
 * Which operation a number in [0, 1) picks, by the shares of {@link MIX}.
 *
 * @example
 * pickOp(0.1) // 'register'
 * pickOp(0.95) // 'rename'
 */
export function pickOp(r: number): SoakOp {
  let bound = 0
  for (const { op, share } of MIX) {
    bound += share
    if (r < bound) return op
  }
  return 'rename'
}

/** Options of {@link createWorkload}. */
export interface WorkloadOptions {
  readonly url: string
  /** An admin token. */
  readonly token: string
  /** Ids that exist before the run (seeded), read and renamed by the mix. */
  readonly seeded: readonly string[]
  /** Makes each registration's address unique to the run. */
  readonly tag: string
  /** Abandon a request after this long (counted as an error). @default 10000 */
  readonly requestTimeoutMs?: number
  /** @default Math.random */
  readonly random?: () => number
}

/** The mixed workload, and what it learned: the users whose registration was acknowledged. */
export interface Workload {
  readonly plan: (n: number) => PlannedRequest
  /** Ids of users whose registration got a 201 during the run. */
  readonly acknowledged: () => readonly string[]
}

const idOf = (body: unknown): string | undefined =>
  typeof body === 'object' && body !== null && 'id' in body && typeof body.id === 'string' ? body.id : undefined

/**
 * The soak's requests: registrations of new users, reads and renames of known ones, list pages.
 * Every answer's body is read, so connections are reused.
 *
 * @example
 * const workload = createWorkload({ url, token, seeded: ids, tag: 'soak1' })
 * await runAtFixedRate({ rate: 200, durationMs: 60_000, maxInFlight: 256, plan: workload.plan })
 */
export function createWorkload(options: WorkloadOptions): Workload {
  const { url, token, seeded, tag, requestTimeoutMs = 10_000, random = Math.random } = options
  if (seeded.length === 0) throw new Error('the workload needs at least one seeded user')
  const known = [...seeded]
  const acknowledged: string[] = []
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
  const anyKnown = () => known[Math.floor(random() * known.length)] ?? (seeded[0] as string)
  const call = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${url}${path}`, {
      ...init,
      headers: init.body === undefined ? { authorization: headers.authorization } : headers,
      signal: AbortSignal.timeout(requestTimeoutMs),
    })
    return { status: response.status, text: await response.text() }
  }
  const senders: Record<SoakOp, (n: number) => () => Promise<number>> = {
    register: (n) => async () => {
      const body = JSON.stringify({ email: `s${n}.${tag}@soak.example.com`, first_name: 'Ada', last_name: 'Lovelace' })
      const { status, text } = await call('/api/v1/users', { method: 'POST', body })
      const id = status === 201 ? idOf(JSON.parse(text)) : undefined
      if (id !== undefined) {
        acknowledged.push(id)
        known.push(id)
      }
      return status
    },
    get: () => async () => (await call(`/api/v1/users/${anyKnown()}`)).status,
    list: () => async () => (await call('/api/v1/users?limit=20')).status,
    rename: (n) => async () =>
      (await call(`/api/v1/users/${anyKnown()}`, { method: 'PATCH', body: JSON.stringify({ first_name: `Ada${n}` }) }))
        .status,
  }
  return {
    plan: (n) => {
      const op = pickOp(random())
      return { op, send: senders[op](n) }
    },
    acknowledged: () => acknowledged,
  }
}
