/** Expect the stream to have no events. */
export const NO_STREAM = 'no-stream' as const
/** Expect the stream to have at least one event. */
export const STREAM_EXISTS = 'exists' as const
/** Do not check the stream's version. */
export const ANY_VERSION = 'any' as const

/**
 * What a writer expects of a stream's version when it appends:
 * - a number: exactly that many events (0 = the stream has no events yet);
 * - `'no-stream'` ({@link NO_STREAM}): the same as 0;
 * - `'exists'` ({@link STREAM_EXISTS}): at least one event;
 * - `'any'` ({@link ANY_VERSION}): no check.
 */
export type ExpectedVersion = number | typeof NO_STREAM | typeof STREAM_EXISTS | typeof ANY_VERSION

/** True when a stream at `actual` satisfies `expected`. */
export function versionMatches(expected: ExpectedVersion, actual: number): boolean {
  switch (expected) {
    case ANY_VERSION:
      return true
    case STREAM_EXISTS:
      return actual > 0
    case NO_STREAM:
      return actual === 0
    default:
      return actual === expected
  }
}

/** True when `value` is a well-formed {@link ExpectedVersion}. */
export function isExpectedVersion(value: unknown): value is ExpectedVersion {
  return (
    value === ANY_VERSION ||
    value === STREAM_EXISTS ||
    value === NO_STREAM ||
    (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)
  )
}
