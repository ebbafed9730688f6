// Test support for the service's fault tests (not exported): registrations sent with a bound on
// every request, and a tally of how each was answered.
import { randomUUID } from 'node:crypto'

/** How one request ended: its status and body, or `hung` when it did not answer within the bound. */
export type Outcome =
  | {
      readonly status: number
      readonly contentType: string
      readonly body: string
      readonly email: string
      /** The `Retry-After` header, when there was one. */
      readonly retryAfter: string | null
    }
  | { readonly status: 'hung' | 'network'; readonly error: string; readonly email: string }

/** The bound on every request: a request unanswered by then counts as hung. */
export const REQUEST_BOUND_MS = 8000

/** POSTs one registration with a fresh address (and `idempotencyKey` when given). */
export async function register(
  url: string,
  token: string,
  { email = `fault.${randomUUID()}@example.com`, idempotencyKey }: { email?: string; idempotencyKey?: string } = {},
): Promise<Outcome> {
  try {
    const response = await fetch(`${url}/api/v1/users`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
      },
      body: JSON.stringify({ email, first_name: 'Ada', last_name: 'Lovelace' }),
      signal: AbortSignal.timeout(REQUEST_BOUND_MS),
    })
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      body: await response.text(),
      email,
      retryAfter: response.headers.get('retry-after'),
    }
  } catch (error) {
    const name = (error as Error).name
    const cause = (error as { cause?: { code?: string; message?: string } }).cause
    const why = `${String(error)}${cause ? ` (${cause.code ?? ''} ${cause.message ?? ''})` : ''}`
    return { status: name === 'TimeoutError' ? 'hung' : 'network', error: why, email }
  }
}

/** Registers with `concurrency` callers until `done()` (at most `max` requests). */
export async function registerUntil(
  url: string,
  token: string,
  { done, concurrency = 4, max = 3000 }: { done: () => boolean; concurrency?: number; max?: number },
): Promise<Outcome[]> {
  const outcomes: Outcome[] = []
  const caller = async () => {
    while (!done() && outcomes.length < max) {
      const outcome = await register(url, token)
      outcomes.push(outcome)
      // While the database is down, answers come fast: a short pause keeps the loop from spinning.
      if (outcome.status !== 201) await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }
  await Promise.all(Array.from({ length: concurrency }, caller))
  return outcomes
}

/** Counts by status (`201`, `503`, `409 user-exists`, `500`, `hung`…). */
export function tally(outcomes: readonly Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const outcome of outcomes) {
    const key =
      outcome.status === 409 && 'body' in outcome && outcome.body.includes('user-exists')
        ? '409 user-exists'
        : String(outcome.status)
    counts[key] = (counts[key] ?? 0) + 1
  }
  return counts
}
