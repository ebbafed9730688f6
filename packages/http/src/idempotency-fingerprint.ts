import { createHash } from 'node:crypto'

type Frame = { readonly text: string } | { readonly value: unknown }

/** The keys of `value` in the order `JSON.stringify` of an object rebuilt with sorted keys gives them. */
function sortedKeys(value: object): string[] {
  const entries = Object.entries(value).filter(([, inner]) => inner !== undefined && typeof inner !== 'function')
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  // Rebuilding the object puts integer-like keys first, as fingerprints always have: keep that order.
  return Object.keys(Object.fromEntries(entries))
}

/**
 * `JSON.stringify` with every object's keys sorted, so key order never changes a fingerprint. It
 * walks with a stack of its own, not recursion: a body nested 10,000 deep is hashed, not a stack
 * overflow.
 */
function canonicalJson(root: unknown): string {
  const out: string[] = []
  const pending: Frame[] = [{ value: root }]
  for (let frame = pending.pop(); frame !== undefined; frame = pending.pop()) {
    if ('text' in frame) {
      out.push(frame.text)
      continue
    }
    let { value } = frame
    if (value !== null && typeof value === 'object' && 'toJSON' in value && typeof value.toJSON === 'function')
      value = value.toJSON()
    if (Array.isArray(value)) {
      const items: unknown[] = value
      pending.push({ text: ']' })
      for (let i = items.length - 1; i >= 0; i--) {
        const item = items[i]
        pending.push({ value: item === undefined || typeof item === 'function' ? null : item })
        if (i > 0) pending.push({ text: ',' })
      }
      pending.push({ text: '[' })
    } else if (value !== null && typeof value === 'object') {
      const record = value as Record<string, unknown>
      const keys = sortedKeys(record)
      pending.push({ text: '}' })
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i] as string
        pending.push({ value: record[key] })
        pending.push({ text: `${i > 0 ? ',' : ''}${JSON.stringify(key)}:` })
      }
      pending.push({ text: '{' })
    } else out.push(JSON.stringify(value) ?? 'null')
  }
  return out.join('')
}

/**
 * What a retry must repeat to be answered with the stored response: the method, the URL as sent
 * (path and query) and the parsed body, re-serialised with sorted keys, all hashed with SHA-256.
 * Any depth of nesting is safe (no recursion).
 *
 * @example
 * requestFingerprint('POST', '/users', { name: 'Ada', email: 'ada@example.com' }) ===
 *   requestFingerprint('POST', '/users', { email: 'ada@example.com', name: 'Ada' }) // true
 */
export function requestFingerprint(method: string, url: string, body: unknown): string {
  const canonicalBody = body === undefined ? '' : canonicalJson(body)
  return createHash('sha256').update(`${method.toUpperCase()} ${url}\n`).update(canonicalBody).digest('hex')
}
