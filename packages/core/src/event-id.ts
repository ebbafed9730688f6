import type { EventId } from './event.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

// Random bytes are drawn in blocks: one call into the system's generator per 256 ids, not per id.
const POOL_IDS = 256
const pool = new Uint8Array(POOL_IDS * 10)
let poolOffset = pool.length

function randomBytes10(): number {
  if (poolOffset >= pool.length) {
    crypto.getRandomValues(pool)
    poolOffset = 0
  }
  const at = poolOffset
  poolOffset += 10
  return at
}

/**
 * Makes a UUIDv7: 48 bits of Unix milliseconds, then 74 random bits. Time-ordered, so the ids of
 * recent events sit together in a B-tree index.
 *
 * @example
 * const id = uuidv7() // '0193a5c2-7f4e-7c1a-9d3b-5e6f7a8b9c0d'
 */
export function uuidv7(now: number = Date.now()): EventId {
  if (now !== lastTime) {
    lastTime = now
    const time = now.toString(16).padStart(12, '0').slice(-12)
    timePrefix = `${time.slice(0, 8)}-${time.slice(8)}-`
  }
  const r = randomBytes10()
  const b = (i: number) => HEX[pool[r + i] ?? 0]
  const version = HEX[((pool[r] ?? 0) & 0x0f) | 0x70]
  const variant = HEX[((pool[r + 2] ?? 0) & 0x3f) | 0x80]
  return `${timePrefix}${version}${b(1)}-${variant}${b(3)}-${b(4)}${b(5)}${b(6)}${b(7)}${b(8)}${b(9)}` as EventId
}

// Many ids are made in the same millisecond: format its time part once.
let lastTime = -1
let timePrefix = ''

/** True when `value` is a UUID in the canonical 8-4-4-4-12 hex form (any version). */
export function isUuid(value: string): value is EventId {
  return UUID.test(value)
}
