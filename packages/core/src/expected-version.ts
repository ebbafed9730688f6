/**
 * What a writer expects of a stream's version when it appends:
 * - a number: exactly that many events (0 = the stream has no events yet);
 * - `'no-stream'`: the same as 0;
 * - `'exists'`: at least one event;
 * - `'any'`: no check.
 */
export type ExpectedVersion = number | 'no-stream' | 'exists' | 'any'

/** Expect the stream to have no events. */
export const NO_STREAM = 'no-stream' as const
/** Expect the stream to have at least one event. */
export const STREAM_EXISTS = 'exists' as const
/** Do not check the stream's version. */
export const ANY_VERSION = 'any' as const

/** True when a stream at `actual` satisfies `expected`. */
export function versionMatches(expected: ExpectedVersion, actual: number): boolean {
  switch (expected) {
    case 'any':
      return true
    case 'exists':
      return actual > 0
    case 'no-stream':
      return actual === 0
    default:
      return actual === expected
  }
}

/** True when `value` is a well-formed {@link ExpectedVersion}. */
export function isExpectedVersion(value: unknown): value is ExpectedVersion {
  return (
    value === 'any' ||
    value === 'exists' ||
    value === 'no-stream' ||
    (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)
  )
}
