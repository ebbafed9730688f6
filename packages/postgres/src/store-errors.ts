import { StoreUnavailableError } from '@eventcore/core'

// SQLSTATE classes and codes that a retry can get past: lost connections, shutdowns, overload,
// serialization failures and deadlocks.
const TRANSIENT_CODES = new Set(['40001', '40P01', '55P03', '57P01', '57P02', '57P03', '53300', '53400'])
const TRANSIENT_NODE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'])

/** True when a database error is worth retrying. */
export function isTransient(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const code = (error as { code?: unknown }).code
  if (
    typeof code === 'string' &&
    (TRANSIENT_CODES.has(code) || code.startsWith('08') || TRANSIENT_NODE_CODES.has(code))
  )
    return true
  const message = error instanceof Error ? error.message : ''
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect/i.test(message)
}

// A connection that died under us: the client cannot be used again.
const CONNECTION_CODES = new Set(['57P01', '57P02', '57P03'])
const CONNECTION_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|not queryable|Client was closed/i

/** True when the error means the connection itself is gone (never return its client to the pool). */
export function isConnectionError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const code = (error as { code?: unknown }).code
  if (
    typeof code === 'string' &&
    (CONNECTION_CODES.has(code) || code.startsWith('08') || TRANSIENT_NODE_CODES.has(code))
  )
    return true
  return CONNECTION_MESSAGES.test(error instanceof Error ? error.message : '')
}

/**
 * Wraps a driver error as a {@link StoreUnavailableError}, keeping the original as `cause`. The
 * message says what failed without echoing SQL or data.
 */
export function storeError(operation: string, error: unknown): StoreUnavailableError {
  if (error instanceof StoreUnavailableError) return error
  const transient = isTransient(error)
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined
  const detail = error instanceof Error ? error.message : String(error)
  return new StoreUnavailableError(`${operation} failed${typeof code === 'string' ? ` (${code})` : ''}: ${detail}`, {
    transient,
    cause: error,
  })
}
