// Fixtures shared by the store contract suites: fresh stream ids, sample events, a count of the log.
import type { Event } from '../event.js'
import type { EventStore, StreamWrite } from '../event-store.js'

let counter = 0
/** A stream id no other test uses. */
export function uniqueStream(prefix = 'test'): string {
  counter += 1
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}`
}

/** An `Opened` event, the usual first event of a test stream. */
export const opened = (owner = 'ada'): Event => ({ type: 'Opened', data: { owner } })
/** A `Credited` event. */
export const credited = (amount: number): Event => ({ type: 'Credited', data: { amount } })
/** How many events the whole log holds, read page by page. */
export async function countAll(store: EventStore): Promise<number> {
  let count = 0
  let page = await store.readAll({ limit: 1000 })
  while (page.events.length > 0) {
    count += page.events.length
    page = await store.readAll({ after: page.cursor, limit: 1000 })
  }
  return count
}

/** One stream's write. */
export const write = (streamId: string, ...events: Event[]): StreamWrite => ({ streamId, events })
