import { uuidv7 } from '@eventcore/core'

/** The header a correlation id travels in, both ways. */
export const CORRELATION_HEADER = 'x-correlation-id'

/** Longest correlation id accepted; a longer one is refused (never cut or replaced silently). */
export const MAX_CORRELATION_ID = 256

/**
 * The request's correlation id: the caller's, kept as given (any string is valid), or a new UUIDv7.
 * Returns `undefined` for a value that cannot be one (repeated header, too long).
 */
export function correlationIdOf(header: string | string[] | undefined): string | undefined {
  if (header === undefined || header === '') return uuidv7()
  if (Array.isArray(header) || header.length > MAX_CORRELATION_ID) return undefined
  return header
}
