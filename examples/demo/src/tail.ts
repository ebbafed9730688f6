import { type EventStore, type RecordedEvent, START } from '@eventcore/core'

/** The last `count` events of the global log, one line each. */
export async function tailOfLog(store: EventStore, count: number): Promise<string[]> {
  let last: RecordedEvent[] = []
  let cursor = START
  for (;;) {
    const page = await store.readAll({ after: cursor, limit: 1000 })
    if (page.events.length === 0) break
    last = [...last, ...page.events].slice(-count)
    cursor = page.cursor
  }
  return last.map((e) => `#${e.globalPosition} ${e.streamId}@${e.streamVersion} ${e.type} ${JSON.stringify(e.data)}`)
}
