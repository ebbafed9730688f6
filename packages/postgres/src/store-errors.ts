import { DEFAULT_MAX_VERSION, DEFAULT_MIN_VERSION } from 'node:tls'
import { StoreUnavailableError, ValidationError } from '@eventcore/core'

// SQLSTATEs a retry can get past: serialization failures and deadlocks (40001, 40P01), a lock not
// available (55P03), the server shutting down or starting (57P01-57P03), too many connections
// (53300) or another configured limit reached (53400), and — below, by class — every lost
// connection (class 08).
const TRANSIENT_CODES = new Set(['40001', '40P01', '55P03', '57P01', '57P02', '57P03', '53300', '53400'])
const TRANSIENT_NODE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'])
// A connection that died under us: the client cannot be used again.
const CONNECTION_CODES = new Set(['57P01', '57P02', '57P03'])
const CONNECTION_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|not queryable|Client was closed/i

// Outages that are NOT transient, with why (a retry within a request's life will not get past them):
// - 57014 statement timeout: the statement ran past `statement_timeout`; the database is overloaded
//   or a lock is held. The store is unavailable for this work, but retrying at once adds load.
// - 25006 read-only transaction: the database (or a standby after a failover) refuses writes until an
//   operator acts.
// - 53100 disk full, 53200 out of memory: operator action again.
// They still answer 503 (store-unavailable): the input was fine, the store could not take it.
// Errors about the data itself (below) are the caller's to fix: validation, never unavailability.
// Class 22 is "data exception": invalid text (22021 a byte sequence the encoding refuses, 22P05
// an untranslatable character such as \u0000 in jsonb), numbers out of range, bad JSON (22P02, 22032).
const DATA_CODES = new Set(['23502', '23514', '54000', '54001'])

/** True when a database error is worth retrying. */
export function isTransient(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return error.transient
  const code = codeOf(error)
  if (code !== undefined && (TRANSIENT_CODES.has(code) || code.startsWith('08') || TRANSIENT_NODE_CODES.has(code)))
    return true
  return CONNECTION_MESSAGES.test(error instanceof Error ? error.message : '')
}

/** True when the error means the connection itself is gone (never return its client to the pool). */
export function isConnectionError(error: unknown): boolean {
  const code = codeOf(error)
  if (code !== undefined && (CONNECTION_CODES.has(code) || code.startsWith('08') || TRANSIENT_NODE_CODES.has(code)))
    return true
  return CONNECTION_MESSAGES.test(error instanceof Error ? error.message : '')
}

/** True when the database refused the data itself (SQLSTATE class 22, and a few like it). */
export function isDataError(error: unknown): boolean {
  const code = codeOf(error)
  return code !== undefined && (code.startsWith('22') || DATA_CODES.has(code))
}

/**
 * Wraps a driver error for the caller: a {@link ValidationError} when the database refused the data
 * (the input must change; retrying cannot help), else a {@link StoreUnavailableError} keeping the
 * original as `cause`, transient when a retry may get past it. The message says what failed
 * without echoing SQL or data.
 *
 * @example
 * try { await driver.query(sql) } catch (error) { throw storeError('readStream', error) }
 */
export function storeError(operation: string, error: unknown): StoreUnavailableError | ValidationError {
  if (error instanceof StoreUnavailableError || error instanceof ValidationError) return error
  const code = codeOf(error)
  if (isDataError(error))
    return new ValidationError([
      { path: '', message: `the database refused the data (${code}) in ${operation}: ${serverMessage(error)}` },
    ])
  const detail = error instanceof Error ? error.message : String(error)
  if (isTlsError(error))
    return new StoreUnavailableError(
      `${operation} failed: TLS to PostgreSQL failed${code ? ` (${code})` : ''}: ${tlsDetail(detail)}`,
      { transient: false, cause: error },
    )
  return new StoreUnavailableError(`${operation} failed${code ? ` (${code})` : ''}: ${detail}`, {
    transient: isTransient(error),
    cause: error,
  })
}

/**
 * Runs one store operation: a driver error it throws comes out as {@link storeError} says, named
 * after `operation`.
 *
 * @example
 * const slice = await withStoreErrors('readStream', () => readStream(driver, schema, args))
 */
export async function withStoreErrors<T>(operation: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    throw storeError(operation, error)
  }
}

// Node's certificate checks (codes like SELF_SIGNED_CERT_IN_CHAIN, CERT_HAS_EXPIRED,
// ERR_TLS_CERT_ALTNAME_INVALID), OpenSSL's (ERR_SSL_…, or an EPROTO carrying an OpenSSL report such
// as a TLS version the server refuses) and pg's own word that the server has no TLS.
// None is transient: the configuration must change.
const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|UNABLE_TO_|CERT_|DEPTH_ZERO_|SELF_SIGNED_)/
const TLS_MESSAGES = /does not support SSL connections|error establishing an SSL connection|SSL routines:/
// OpenSSL's own report, as Node passes it on (e.g. `write EPROTO 80EC…:error:0A00042E:SSL
// routines:ssl3_read_bytes:tlsv1 alert protocol version:../deps/openssl/…:1601:SSL alert number 70`):
// its reason is the part a person needs; the rest is addresses and source lines.
const OPENSSL_REASON = /SSL routines:[^:]*:([^:]+)/

// What went wrong and what to look at: for a TLS version neither side shares, the versions this
// client offers (Node's defaults, which --tls-min-v1.x can change) and the server settings to compare.
function tlsDetail(message: string): string {
  const reason = OPENSSL_REASON.exec(message)?.[1]?.trim()
  if (reason !== undefined && /protocol version/.test(reason))
    return `${reason}: the server and this client share no TLS version (this client: ${DEFAULT_MIN_VERSION} to ${DEFAULT_MAX_VERSION}; the server: ssl_min_protocol_version and ssl_max_protocol_version)`
  return `${reason ?? message}; check the CA certificate, the client certificate and sslmode`
}

/** True when a connection failed on TLS: a certificate refused, no TLS version in common, or TLS not offered. */
export function isTlsError(error: unknown): boolean {
  const code = codeOf(error)
  if (code !== undefined && TLS_CODES.test(code)) return true
  return TLS_MESSAGES.test(error instanceof Error ? error.message : '')
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' ? code : undefined
}

// PostgreSQL's own message names the problem (e.g. "unsupported Unicode escape sequence"); its
// `detail`, which may quote the data, is left out.
function serverMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
