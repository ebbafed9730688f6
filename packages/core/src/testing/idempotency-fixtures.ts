import type { IdempotencyBeginInput } from '../idempotency-store.js'

/** The time {@link idempotencyBeginInput} begins at unless told: 2030-01-01T00:00:00Z, in milliseconds. */
export const IDEMPOTENCY_T0 = Date.parse('2030-01-01T00:00:00Z')

/**
 * A `begin` input for idempotency store tests: ada's key `k-1`, attempt `attempt-1`, fingerprint
 * `f-1`, at `at` (default {@link IDEMPOTENCY_T0}); the entry lives 60 s, and one in progress for
 * more than 10 s was abandoned. `overrides` replace any field.
 *
 * @example
 * await store.begin(idempotencyBeginInput({ key: 'old', at: IDEMPOTENCY_T0 + 60_000 }))
 */
export function idempotencyBeginInput(
  overrides: Partial<IdempotencyBeginInput> & { readonly at?: number } = {},
): IdempotencyBeginInput {
  const { at = IDEMPOTENCY_T0, ...rest } = overrides
  return {
    scope: 'ada',
    key: 'k-1',
    attempt: 'attempt-1',
    fingerprint: 'f-1',
    now: new Date(at),
    expiresAt: new Date(at + 60_000),
    staleBefore: new Date(at - 10_000),
    ...rest,
  }
}
