import type { EventId } from './event.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * Makes a UUIDv7: time-ordered, so ids of recent events sit together in a B-tree index.
 *
 * @example
 * const id = uuidv7() // '0193a5c2-7f4e-7c1a-9d3b-5e6f7a8b9c0d'
 */
export function uuidv7(now: number = Date.now()): EventId {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  let ms = now
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256
    ms = Math.floor(ms / 256)
  }
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}` as EventId
}

/** True when `value` is a UUID in the canonical 8-4-4-4-12 hex form (any version). */
export function isUuid(value: string): value is EventId {
  return UUID.test(value)
}
