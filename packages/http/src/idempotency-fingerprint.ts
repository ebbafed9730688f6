import { createHash } from 'node:crypto'

/** Rebuilds objects with their keys sorted, so that key order never changes a fingerprint. */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted)
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value
  return Object.fromEntries(
    Object.entries(value)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, inner]) => [key, sorted(inner)]),
  )
}

/**
 * What a retry must repeat to be answered with the stored response: the method, the URL as sent
 * (path and query) and the parsed body, re-serialised with sorted keys, all hashed with SHA-256.
 *
 * @example
 * requestFingerprint('POST', '/users', { name: 'Ada', email: 'ada@example.com' }) ===
 *   requestFingerprint('POST', '/users', { email: 'ada@example.com', name: 'Ada' }) // true
 */
export function requestFingerprint(method: string, url: string, body: unknown): string {
  const canonicalBody = body === undefined ? '' : (JSON.stringify(sorted(body)) ?? '')
  return createHash('sha256').update(`${method.toUpperCase()} ${url}\n`).update(canonicalBody).digest('hex')
}
